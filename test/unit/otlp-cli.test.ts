// `serve --otlp` as a real process (dist/cli.js; `npm run build` first): it prints its address, stores what
// the SDK's protobuf exporter sends, stops on SIGINT with a summary and exit 0, and refuses bad arguments
// and a taken port with a sentence and exit 1.
import { strict as assert } from 'node:assert';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { CLI, cli } from '../helpers/cli';
import { assistant, chatSpan, otelProvider, user } from '../helpers/otlp';
import { tempDb } from '../helpers/temp';

function serve(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  url: Promise<string>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [CLI, 'serve', '--otlp', ...args]);
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.on('close', () => reject(new Error(`serve ended before listening: ${stderr}`)));
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, url, done };
}

describe('CLI: serve --otlp', function () {
  this.timeout(30_000);

  it('prints the free port it took, stores what an exporter sends, and stops on SIGINT with a summary', async () => {
    const db = tempDb();
    const server = serve(['--port', '0', '--db', db]);
    const url = await server.url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:(?!4318$)\d+$/);
    const provider = otelProvider(url, 'protobuf', { service: 'cli-app' });
    chatSpan(provider, {
      conversation: 'k',
      input: [user('Ping?')],
      output: [assistant('Pong.')],
      usage: { input: 3, output: 1 },
    });
    chatSpan(provider, {
      conversation: 'k',
      input: [user('Ping?'), assistant('Pong.'), user('Again?')],
      output: [assistant('Pong.')],
    });
    await provider.shutdown();
    server.child.kill('SIGINT');
    const { code, stdout, stderr } = await server.done;
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout.split('\n')[1],
      'stopped: 2 request(s) (0 refused); 2 span(s): 2 stored, 0 already stored, 0 rejected; 1 session(s) created, 4 message(s) added',
    );
    const listed = cli(['list', '--db', db, '--json']);
    const {
      sessions: [session],
    } = JSON.parse(listed.stdout) as { sessions: Array<{ id: string; title: string; messageCount: number }> };
    assert.equal(session!.title, 'Ping?');
    assert.equal(session!.messageCount, 4);
    assert.match(
      cli(['trace', session!.id, '--db', db]).stdout,
      /call 2 · otlp · openai otlp · gpt-test → gpt-test-2026 · ok/,
    );
  });

  it('takes a token from the environment and refuses requests without it', async () => {
    const db = tempDb();
    const child = spawn(process.execPath, [CLI, 'serve', '--otlp', '--port', '0', '--db', db], {
      env: { ...process.env, LANGSWARM_SESSIONS_OTLP_TOKEN: 'fake-env-token' },
    });
    const url = await new Promise<string>((resolve) =>
      child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(/listening on (\S+)/.exec(d)![1]!)),
    );
    const without = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    const withToken = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer fake-env-token' },
      body: '{}',
    });
    child.kill('SIGINT');
    await new Promise((resolve) => child.on('close', resolve));
    assert.deepEqual([without.status, withToken.status], [401, 200]);
  });

  it('refuses bad arguments and a port in use with a sentence and exit 1', async () => {
    const db = tempDb();
    for (const [args, sentence] of [
      [['serve', '--db', db], /serve needs --otlp/],
      [['serve', '--otlp', '--host', '0.0.0.0', '--db', db], /127\.0\.0\.1 only/],
      [['serve', '--otlp', '--port', '70000', '--db', db], /--port needs a whole number from 0 to 65535/],
      [['serve', '--otlp', '--token', '', '--db', db], /token is empty/],
    ] as const) {
      const r = cli([...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, sentence);
    }
    const first = serve(['--port', '0', '--db', db]);
    const port = new URL(await first.url).port;
    const second = cli(['serve', '--otlp', '--port', port, '--db', tempDb()]);
    first.child.kill('SIGINT');
    await first.done;
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use`));
  });
});
