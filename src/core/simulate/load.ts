// Reads a scenario file as hostile data: bounded in size, YAML aliases bounded (no "billion laughs"), no
// custom tags (nothing is constructed or run), one document; every problem is reported at its place,
// file:line:column and the key path, from the YAML parser's source ranges (JSON files are parsed the same
// way once JSON.parse accepted them, for the positions).
import * as fs from 'node:fs';
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  Parser,
  parseDocument,
} from 'yaml';
import { CoreError, describeError } from '../errors';
import { Scenario } from './scenario';

/** Scenario files are small; anything larger is a mistake or an attack. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** Aliases one file may resolve: real files use a few; alias bombs need thousands. */
const MAX_ALIASES = 100;
/**
 * Open collections at once (about one per level of nesting): a scenario with a JSON Schema needs a few dozen. The
 * YAML composer recurses per level, and near the stack's end V8 can abort the process (a regex compiled there runs
 * out of memory) instead of throwing: so nesting is bounded before composing, with the parser's own stack.
 */
const MAX_OPEN_COLLECTIONS = 100;

export type KeyPath = ReadonlyArray<string | number>;
/** 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}
export interface Span {
  start: Position;
  end: Position;
}
export interface ScenarioProblem extends Position {
  path: string;
  message: string;
}

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
  /** Where the value at `path` is written (the nearest enclosing value when that key is absent). */
  locate(path: KeyPath): Span;
}

export function isScenarioFile(file: string): boolean {
  return /\.sim\.(ya?ml|json)$/i.test(file);
}

/** Reads and checks a scenario file; a CoreError('InvalidInput') lists what is wrong and where. */
export function loadScenarioFile(file: string): LoadedScenario {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new CoreError('InvalidInput', `${file} is not a file.`);
    if (stat.size > MAX_SCENARIO_BYTES) throw tooLarge(file);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof CoreError) throw e;
    throw new CoreError('InvalidInput', `Could not read the scenario ${file}: ${describeError(e)}`, {}, { cause: e });
  }
  return parseScenario(text, file);
}

/** Parses scenario text (an editor's unsaved document too); `file` names it in messages and picks JSON or YAML. */
export function parseScenario(text: string, file: string): LoadedScenario {
  if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES) throw tooLarge(file);
  const lines = new LineCounter();
  if (/\.json$/i.test(file)) checkJson(text, file);
  checkNesting(text, file);
  const doc = parseDocument(text, {
    lineCounter: lines,
    schema: 'core',
    customTags: [],
    uniqueKeys: true,
    prettyErrors: false,
    merge: false,
  });
  const position = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const first = doc.errors[0] ?? doc.warnings[0];
  if (first) {
    // Unknown tags are only warnings to the parser; here they are refused: a scenario is plain data.
    const at = position(first.pos[0]);
    let message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (first.code === 'TAG_RESOLVE_FAILED') message += ' (tags are not allowed: a scenario is plain data)';
    if (/multiple documents/.test(message)) message = 'a scenario file holds one YAML document (no second "---")';
    throw invalid(file, [{ ...at, path: '', message }]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw invalid(file, [
      {
        line: 1,
        column: 1,
        path: '',
        message: `${describeError(e)} (at most ${MAX_ALIASES} aliases are resolved)`,
      },
    ]);
  }
  const locate = (path: KeyPath, key = false): Span => {
    const range = nodeAt(doc, path, key)?.range ?? [0, text.length, text.length];
    return { start: position(range[0]), end: position(range[1]) };
  };
  const parsed = Scenario.safeParse(data ?? {});
  if (!parsed.success)
    throw invalid(
      file,
      parsed.error.issues.map((issue) => {
        const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
        // Point at the unknown key itself, not at the object holding it.
        const unknownKey = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined;
        if (unknownKey) path.push(issue.keys[0]!);
        return { ...locate(path, unknownKey).start, path: path.join('.'), message: issue.message };
      }),
    );
  return { file, scenario: parsed.data, locate };
}

/** The deepest node on `path` (a missing key's parent; the key rather than its value when `key` or it has none). */
function nodeAt(doc: Document, path: KeyPath, key: boolean): Node | undefined {
  let node = doc.contents as Node | null | undefined;
  for (const [i, step] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) return node;
      const wantKey = key && i === path.length - 1;
      node = wantKey ? (pair.key as Node) : ((pair.value as Node | null) ?? (pair.key as Node));
    } else if (isSeq(node) && typeof step === 'number' && node.items[step]) {
      node = node.items[step] as Node;
    } else {
      return node ?? undefined;
    }
  }
  return node ?? undefined;
}

/** Refuses nesting deeper than MAX_OPEN_COLLECTIONS, stopping there (the parser's work per token grows with the depth). */
function checkNesting(text: string, file: string): void {
  const parser = new Parser();
  let offset = 0;
  for (const lexeme of new Lexer().lex(text)) {
    for (const _token of parser.next(lexeme));
    if (parser.stack.length > MAX_OPEN_COLLECTIONS) {
      const before = text.slice(0, offset).split('\n');
      throw invalid(file, [
        {
          line: before.length,
          column: before[before.length - 1]!.length + 1,
          path: '',
          message: `nested more than ${MAX_OPEN_COLLECTIONS} levels deep (a scenario never needs that many)`,
        },
      ]);
    }
    // The lexer's token-type markers are control characters that are not in the text.
    if (!(lexeme.length === 1 && lexeme < ' ' && lexeme !== '\n' && lexeme !== '\t')) offset += lexeme.length;
  }
}

/** JSON files must be JSON (YAML would accept more); JSON.parse's message gives the offset. */
function checkJson(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (e) {
    const message = describeError(e);
    const offset = Number(/position (\d+)/.exec(message)?.[1] ?? 0);
    const before = text.slice(0, offset).split('\n');
    throw invalid(file, [
      {
        line: before.length,
        column: before[before.length - 1]!.length + 1,
        path: '',
        message: message.replace(/ in JSON at position \d+.*$/s, ''),
      },
    ]);
  }
}

function tooLarge(file: string): CoreError {
  return new CoreError(
    'InvalidInput',
    `The scenario ${file} is larger than ${MAX_SCENARIO_BYTES / 1024 / 1024} MiB; a scenario is a small text file.`,
  );
}

function invalid(file: string, problems: ScenarioProblem[]): CoreError {
  const lines = problems
    .slice(0, 20)
    .map((p) => `${file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  if (problems.length > 20) lines.push(`… and ${problems.length - 20} more problems`);
  return new CoreError('InvalidInput', `Invalid scenario:\n${lines.join('\n')}`, { file, problems });
}
