// `simulate FILE...`: runs scenario files (src/core/simulate) against their model, or a matrix of models,
// possibly several times. Exit 0 when every assertion passed, 1 when one failed, 2 on any error (a bad
// file or argument, a provider failure), so a CI step can tell a regression from a broken setup.
import { v7 as uuidv7 } from 'uuid';
import { CoreError, describeError } from '../core/errors';
import { isProviderName } from '../core/names';
import { type LoadedScenario, loadScenarioFile } from '../core/simulate/load';
import { jsonReport, junitReport, passRates, type RepeatedRun } from '../core/simulate/report';
import { type RunTarget, runScenario } from '../core/simulate/runner';
import { Command, Output, count, str, warn, withInterrupt } from './command';
import { outTarget, writeOutFile } from './files';
import { providerFor } from './provider-commands';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/** The matrix: --provider/--model pairs in order (one --provider may serve every --model); none: each file's own. */
function targets(providers: string[], models: string[]): Array<Partial<RunTarget> & { model?: string }> {
  if (!providers.length && !models.length) return [{}];
  if (!models.length) throw new CoreError('InvalidInput', 'Give a --model after each --provider.');
  if (providers.length > 1 && providers.length !== models.length)
    throw new CoreError(
      'InvalidInput',
      `Give --provider and --model in pairs (${providers.length} --provider, ${models.length} --model), or one --provider for every --model.`,
    );
  for (const p of providers)
    if (!isProviderName(p))
      throw new CoreError('InvalidInput', `Unknown provider "${p}"; use openai, anthropic, gemini or replay.`);
  return models.map((model, i) => ({
    ...(providers.length ? { provider: (providers[i] ?? providers[0]) as RunTarget['provider'] } : {}),
    model,
  }));
}

function printRun(out: Output, r: RepeatedRun, repeated: boolean): void {
  const head = `${r.passed ? 'PASS' : 'FAIL'}  ${r.name}  [${r.provider}/${r.model}]${repeated ? ` #${r.repeat}` : ''}`;
  out.line(`${head}  ${r.file}  session ${r.sessionId}`);
  for (const t of r.turns)
    for (const a of t.assertions)
      out.line(
        `  ${a.skipped ? 'skip' : a.passed ? 'ok  ' : 'FAIL'}  turn ${t.index}${t.simulated ? ' (simulated user)' : ''}  ${a.kind}: ${a.message.replace(/\s+/g, ' ')}`,
      );
}

export const simulateCommand: Command = {
  usage:
    'simulate FILE... [--provider P --model M]... [--repeat N] [--judge] [--json] [--junit FILE]   (runs *.sim.yaml / *.sim.json scenarios; exit 0 all passed, 1 an assertion failed, 2 an error)',
  options: {
    provider: { type: 'string', multiple: true },
    model: { type: 'string', multiple: true },
    repeat: { type: 'string' },
    judge: { type: 'boolean' },
    json: { type: 'boolean' },
    junit: { type: 'string' },
  },
  errorExit: 2,
  parse(files, v) {
    if (!files.length)
      throw new CoreError('InvalidInput', 'Give at least one scenario file (*.sim.yaml or *.sim.json).');
    const matrix = targets(list(v['provider']), list(v['model']));
    const repeat = count(v['repeat'], '--repeat', 1);
    if (repeat > 100) throw new CoreError('InvalidInput', '--repeat is at most 100.');
    const junit = str(v['junit']);
    if (junit) outTarget(junit);
    return {
      database: 'create',
      async run(m, out) {
        const runs: RepeatedRun[] = [];
        const errors: Array<{ file: string; provider?: string; model?: string; message: string }> = [];
        const scenarios: LoadedScenario[] = [];
        for (const file of files) {
          try {
            scenarios.push(loadScenarioFile(file));
          } catch (e) {
            errors.push({ file, message: describeError(e) });
          }
        }
        const runId = uuidv7();
        await withInterrupt(async (signal) => {
          for (const loaded of scenarios)
            for (const entry of matrix)
              for (let n = 1; n <= repeat; n++) {
                const target: RunTarget = {
                  provider: entry.provider ?? loaded.scenario.provider,
                  model: entry.model ?? loaded.scenario.model,
                };
                try {
                  const run = await runScenario(m, loaded, {
                    target,
                    runId,
                    signal,
                    judge: v['judge'] === true,
                    providerFor: async (choice, recorded) =>
                      providerFor(m.tracer, choice.provider, {
                        recorded: () => (recorded ? [...recorded] : undefined),
                      }),
                  });
                  runs.push({ ...run, repeat: n });
                  if (!v['json']) printRun(out, { ...run, repeat: n }, repeat > 1);
                } catch (e) {
                  if (signal.aborted) throw e;
                  errors.push({ file: loaded.file, ...target, message: describeError(e) });
                }
              }
        });
        for (const e of errors) process.stderr.write(`error: ${e.message}\n`);
        if (v['json']) out.json({ ...jsonReport(runs, repeat > 1), ...(errors.length ? { errors } : {}) });
        else if (repeat > 1)
          for (const r of passRates(runs))
            out.line(`${r.passed}/${r.runs}  ${r.scenario} [${r.model}]  ${r.assertion}`);
        if (junit) writeOutFile(junit, junitReport(runs));
        if (errors.length) return 2;
        if (!runs.length) {
          warn('nothing was run');
          return 2;
        }
        return runs.every((r) => r.passed) ? 0 : 1;
      },
    };
  },
};
