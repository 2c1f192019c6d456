// Writes schemas/scenario.schema.json from the scenario model (src/core/simulate/scenario.ts), the schema
// package.json contributes for *.sim.json and *.sim.yaml. Run `npm run schema` after changing the model;
// test/unit/simulate-scenario.test.ts fails while the file is stale.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scenarioJsonSchema } from '../src/core/simulate/scenario';

export const SCHEMA_FILE = path.join(__dirname, '..', 'schemas', 'scenario.schema.json');

export function schemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

if (require.main === module) fs.writeFileSync(SCHEMA_FILE, schemaText());
