// What a simulation run reports: the `--json` shape, JUnit XML for CI (one test case per assertion), and
// each assertion's pass rate over repeated runs (flakiness).
import type { AssertionOutcome } from './assertions';
import type { ScenarioRun } from './runner';

export interface JsonReport {
  scenarios: Array<{
    name: string;
    file: string;
    provider: string;
    model: string;
    runId: string;
    /** 1-based: the n-th of --repeat runs. */
    repeat: number;
    passed: boolean;
    sessionId: string;
    turns: Array<{
      index: number;
      user: string;
      reply: string;
      simulated?: boolean;
      assertions: Array<{ kind: string; passed: boolean; skipped?: boolean; message: string }>;
    }>;
  }>;
  /** With --repeat: per scenario, model and assertion, how many of the runs passed it. */
  passRates?: PassRate[];
}

export interface RepeatedRun extends ScenarioRun {
  repeat: number;
}

export function jsonReport(runs: RepeatedRun[], withRates: boolean): JsonReport {
  return {
    scenarios: runs.map((r) => ({
      name: r.name,
      file: r.file,
      provider: r.provider,
      model: r.model,
      runId: r.runId,
      repeat: r.repeat,
      passed: r.passed,
      sessionId: r.sessionId,
      turns: r.turns.map((t) => ({
        index: t.index,
        user: t.user,
        reply: t.reply,
        ...(t.simulated ? { simulated: true } : {}),
        assertions: t.assertions.map((a) => ({
          kind: a.kind,
          passed: a.passed,
          ...(a.skipped ? { skipped: true } : {}),
          message: a.message,
        })),
      })),
    })),
    ...(withRates ? { passRates: passRates(runs) } : {}),
  };
}

export interface PassRate {
  scenario: string;
  file: string;
  model: string;
  /** `turn 2 contains`, `turn 1 tool_answer`, … */
  assertion: string;
  passed: number;
  runs: number;
}

/** How often each assertion passed over the runs of the same scenario on the same model. */
export function passRates(runs: RepeatedRun[]): PassRate[] {
  const rates = new Map<string, PassRate>();
  for (const r of runs)
    for (const t of r.turns)
      for (const [i, a] of t.assertions.entries()) {
        if (a.skipped) continue;
        const assertion = `turn ${t.index} #${i + 1} ${a.kind}`;
        const model = `${r.provider}/${r.model}`;
        const key = JSON.stringify([r.file, model, assertion]);
        const rate = rates.get(key) ?? { scenario: r.name, file: r.file, model, assertion, passed: 0, runs: 0 };
        rate.runs += 1;
        if (a.passed) rate.passed += 1;
        rates.set(key, rate);
      }
  return [...rates.values()];
}

/** XML 1.0 text: the five special characters escaped, characters XML cannot hold replaced. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** One <testsuite> per run (scenario × model × repeat), one <testcase> per assertion. */
export function junitReport(runs: RepeatedRun[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = runs.flatMap((r) => r.turns.flatMap((t) => t.assertions));
  const count = (list: AssertionOutcome[]) => ({
    tests: list.length,
    failures: list.filter((a) => !a.passed).length,
    skipped: list.filter((a) => a.skipped).length,
  });
  const totals = count(all);
  out.push(
    `<testsuites name="simulate" tests="${totals.tests}" failures="${totals.failures}" skipped="${totals.skipped}">`,
  );
  for (const r of runs) {
    const list = r.turns.flatMap((t) => t.assertions);
    const c = count(list);
    const suite = `${r.name} [${r.provider}/${r.model}]${runs.some((x) => x.repeat > 1) ? ` #${r.repeat}` : ''}`;
    out.push(
      `  <testsuite name="${xmlText(suite)}" tests="${c.tests}" failures="${c.failures}" skipped="${c.skipped}" file="${xmlText(r.file)}">`,
    );
    out.push(
      `    <properties><property name="sessionId" value="${xmlText(r.sessionId)}"/><property name="runId" value="${xmlText(r.runId)}"/></properties>`,
    );
    for (const t of r.turns)
      for (const [i, a] of t.assertions.entries()) {
        const name = `turn ${t.index}${t.simulated ? ' (simulated user)' : ''} #${i + 1} ${a.kind}`;
        const head = `    <testcase name="${xmlText(name)}" classname="${xmlText(suite)}"`;
        if (a.skipped) out.push(`${head}><skipped message="${xmlText(a.message)}"/></testcase>`);
        else if (a.passed) out.push(`${head}/>`);
        else {
          const detail = [
            a.message,
            a.expected !== undefined ? `expected: ${a.expected}` : '',
            a.actual !== undefined ? `actual: ${a.actual}` : '',
          ]
            .filter(Boolean)
            .join('\n');
          out.push(
            `${head}><failure message="${xmlText(a.message)}" type="${a.kind}">${xmlText(detail)}</failure></testcase>`,
          );
        }
      }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
