// Every integration test file, bundled into one module the runner requires after mocha's globals exist.
import './extension.test';
import './providers.test';
import './migration.test';
import './history.test';
import './picks.test';
import './debugger.test';
