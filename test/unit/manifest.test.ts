// What package.json and the extension share: each context key the extension sets (src/extension/keys.ts) is read by
// a `when` clause and every one a clause reads is set; no state key is spelled twice.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS, NEEDS_TRUST, untrustedSentence } from '../../src/extension/commandIds';
import { DEBUG_TYPE, LaunchArguments } from '../../src/dap/adapter';
import * as keys from '../../src/extension/keys';

interface Manifest {
  activationEvents: string[];
  contributes: {
    views: Record<string, Array<{ id: string }>>;
    viewsWelcome: Array<{ when: string }>;
    commands: Array<{ enablement?: string }>;
    menus: Record<string, Array<{ when?: string }>>;
    customEditors?: Array<{ viewType: string; priority: string; selector: Array<{ filenamePattern: string }> }>;
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as Manifest;

describe('package.json and the extension', () => {
  it('sets exactly the context keys package.json reads', () => {
    const c = manifest.contributes;
    const clauses = [
      ...c.viewsWelcome.map((w) => w.when),
      ...c.commands.flatMap((x) => (x.enablement ? [x.enablement] : [])),
      ...Object.values(c.menus)
        .flat()
        .flatMap((m) => (m.when ? [m.when] : [])),
    ];
    const views = new Set(
      Object.values(c.views)
        .flat()
        .map((v) => v.id),
    );
    const read = new Set(
      clauses.flatMap((w) => w.match(/\blangswarmSessions\.[\w.]+/g) ?? []).filter((name) => !views.has(name)),
    );
    assert.deepEqual([...read].sort(), keys.CONTEXT_KEYS.map((k) => k.name).sort());
  });

  it('spells each state key once, and names the view and the restored webview as package.json does', () => {
    const stateKeys = Object.values(keys as Record<string, unknown>).flatMap((v) =>
      v instanceof keys.StateKey ? [v.name] : [],
    );
    assert.ok(stateKeys.length >= 5);
    assert.equal(new Set(stateKeys).size, stateKeys.length, `a state key is declared twice: ${stateKeys.join(', ')}`);
    assert.ok(
      Object.values(manifest.contributes.views)
        .flat()
        .some((v) => v.id === keys.SESSIONS_VIEW),
    );
    assert.ok(manifest.activationEvents.includes(`onWebviewPanel:${keys.VIEW_TYPES.history}`));
  });
});

describe('package.json: commands in Restricted Mode', () => {
  it('never hides or disables a command for want of trust: the command says why instead (NEEDS_TRUST)', () => {
    const c = manifest.contributes;
    const hiding = [
      ...c.commands.flatMap((x) =>
        x.enablement?.includes('isWorkspaceTrusted') ? [`enablement of ${JSON.stringify(x)}`] : [],
      ),
      ...Object.entries(c.menus).flatMap(([menu, items]) =>
        items.flatMap((m) => (m.when?.includes('isWorkspaceTrusted') ? [`${menu}: ${m.when}`] : [])),
      ),
    ];
    assert.deepEqual(hiding, []);
    for (const id of NEEDS_TRUST) assert.ok(COMMAND_IDS.includes(id), `${id} is a command`);
    assert.match(
      untrustedSentence('LangSwarm Sessions: Delete Session…'),
      /^"LangSwarm Sessions: Delete Session…" needs a trusted workspace\./,
    );
  });
});

describe('package.json: LangSwarm stores open in the read-only custom editor', () => {
  it('contributes the editor for both store names, as the default for them', () => {
    const editor = manifest.contributes.customEditors?.find((e) => e.viewType === keys.LANGSWARM_EDITOR);
    assert.ok(editor, 'the custom editor is contributed');
    assert.deepEqual(editor.selector.map((s) => s.filenamePattern).sort(), [
      '**/langswarm_memory.db',
      '**/langswarm_sessions.db',
    ]);
    assert.equal(editor.priority, 'default');
  });
});

describe('package.json: the conversation debugger', () => {
  const debuggers = (
    manifest as unknown as {
      contributes: {
        debuggers: Array<{
          type: string;
          languages: string[];
          configurationAttributes: { launch: { properties: Record<string, { description?: string }> } };
          configurationSnippets: Array<{ body: Record<string, unknown> }>;
        }>;
        breakpoints: Array<{ language: string }>;
      };
    }
  ).contributes;

  it('contributes the adapter’s debug type, activated before it resolves, with every launch argument described', () => {
    assert.equal(keys.DEBUG_TYPE, DEBUG_TYPE, 'activation registers the adapter’s type');
    const [contributed] = debuggers.debuggers;
    assert.equal(contributed?.type, DEBUG_TYPE);
    assert.ok(manifest.activationEvents.includes(`onDebugResolve:${DEBUG_TYPE}`));
    const described = contributed.configurationAttributes.launch.properties;
    // LaunchArguments is a refined object: its shape is the inner schema's.
    const shape = Object.keys((LaunchArguments as unknown as { shape: Record<string, unknown> }).shape);
    assert.deepEqual(Object.keys(described).sort(), shape.sort());
    for (const [name, p] of Object.entries(described)) assert.ok(p.description, `${name} is described`);
    // Each snippet is a launch the adapter accepts (its placeholders filled in).
    for (const { body } of contributed.configurationSnippets) {
      const { type, request, name, ...args } = body;
      assert.deepEqual([type, request, typeof name], [DEBUG_TYPE, 'launch', 'string']);
      assert.ok(LaunchArguments.safeParse(args).success, JSON.stringify(args));
    }
    assert.deepEqual(debuggers.breakpoints.map((b) => b.language).sort(), contributed.languages.sort());
  });
});
