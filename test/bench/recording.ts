// Recording overhead: what recording a turn's trace (the recording fetch under the SDK, building the
// TurnTrace, storing it) adds to a real turn. Each provider's real SDK talks to the local wire-protocol mock
// server; two sessions grow side by side, turn by turn, one recorded into the database (the default sink) and
// one with the sink off (traceSink: null, nothing recorded), so both send the same history sizes on a machine
// in the same state. Reported: each mode's median turn, the difference and the ratio, from the same run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { send } from '../../src/core/conversation';
import { createProvider } from '../../src/core/providers';
import { SessionManager } from '../../src/core/sessions';
import { MockProvider, MockProviders } from '../mock-providers/server';
import { Report, percentile, scaled } from './report';

const MODELS: Record<MockProvider, string> = { openai: 'gpt-bench', anthropic: 'claude-bench', gemini: 'gemini-bench' };
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** A reply of about 150 words in 12 stream deltas. */
function reply(turn: number): { text: string; chunks: string[]; usage: { input: number; output: number } } {
  const words = Array.from({ length: 150 }, (_, i) => `word${(turn * 7 + i) % 97}`);
  const chunks = Array.from({ length: 12 }, (_, i) => `${words.slice(i * 13, (i + 1) * 13).join(' ')} `);
  return { text: chunks.join(''), chunks, usage: { input: 100 + turn * 200, output: 200 } };
}

export async function runRecordingBench(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lss-bench-recording-'));
  const mock = await new MockProviders().start();
  const turns = scaled(60);
  try {
    for (const name of ['openai', 'anthropic', 'gemini'] as const) {
      mock.reset();
      const m = await SessionManager.open(path.join(dir, `${name}.sqlite`));
      try {
        // OpenAI statelessly (store: false), so its bodies carry the whole history as the others' do.
        const provider = createProvider({
          name,
          apiKey: mock.keys[name],
          baseUrl: name === 'openai' ? `${mock.url}/v1` : mock.url,
          ...(name === 'openai' ? { stateless: true } : {}),
        });
        const recorded = await m.create({ provider: name, model: MODELS[name] });
        const unrecorded = await m.create({ provider: name, model: MODELS[name] });
        const times = { on: [] as number[], off: [] as number[] };
        for (let turn = 0; turn < turns; turn++) {
          // Alternate which goes first, so neither mode always runs on a warmer machine.
          const order = turn % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const);
          for (const mode of order) {
            mock.script(name, reply(turn));
            const question = `Question ${turn}: ${'how does this behave '.repeat(10)}`;
            const start = performance.now();
            await send(m, mode === 'on' ? recorded.id : unrecorded.id, question, {
              provider,
              ...(mode === 'off' ? { traceSink: null } : {}),
            });
            times[mode].push(performance.now() - start);
          }
          mock.requests.length = 0;
        }
        if (m.listTraces(recorded.id).length !== turns || m.listTraces(unrecorded.id).length !== 0)
          throw new Error('recording bench: the recorded session must have a trace per turn, the other none');
        const on = median(times.on);
        const off = median(times.off);
        const lastBody = (m.getTrace(m.listTraces(recorded.id).at(-1)!.spanId).attempts.at(-1)?.requestBody ?? '')
          .length;
        report.add({
          suite: 'recording',
          metric: `${name}: streamed turn, sink off (median of ${turns})`,
          value: off,
          unit: 'ms',
        });
        report.add({
          suite: 'recording',
          metric: `${name}: the same turn, recorded (median of ${turns})`,
          value: on,
          unit: 'ms',
          note: `last body ${(lastBody / 1024).toFixed(0)} KiB`,
        });
        report.add({ suite: 'recording', metric: `${name}: recording overhead per turn`, value: on - off, unit: 'ms' });
        report.add({
          suite: 'recording',
          metric: `${name}: recorded / not recorded (ratio)`,
          value: on / off,
          unit: 'x',
        });
      } finally {
        await m.close();
      }
    }
  } finally {
    await mock.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
