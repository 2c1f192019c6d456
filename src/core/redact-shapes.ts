// What a secret looks like, for redact.ts: the shapes this product keeps itself (its providers' keys,
// JWTs, credentials in URLs and auth headers, private keys), secretlint's recommended preset run
// directly, and user-configured patterns.
import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import type {
  SecretLintRuleContext,
  SecretLintRuleCreator,
  SecretLintRuleReportHandler,
  SecretLintSourceCode,
} from '@secretlint/types';
import { CoreError } from './errors';
import type { RedactionPattern } from './redact';

export type Add = (start: number, end: number) => void;
export interface Shape {
  kind: string;
  label: string;
  rank: number;
  scan(text: string, add: Add): void;
}

/** Which kind names a range found by several shapes: the lowest rank. */
export const RANK = { vendor: 0, jwt: 1, url: 2, scheme: 3, name: 4 } as const;

/** Not a plain word: a value after `Name:` in prose ("token: expired") is left alone. */
export const looksRandom = (value: string) => !/^[A-Za-z][a-z]*$/.test(value);

// ---- shapes -----------------------------------------------------------------------------------

const regexShape = (
  kind: string,
  label: string,
  rank: number,
  re: RegExp,
  accept: (value: string) => boolean = () => true,
): Shape => ({
  kind,
  label,
  rank,
  scan(text, add) {
    for (const m of text.matchAll(re)) {
      const [start, end] = m.indices![m.length > 1 ? 1 : 0]!;
      if (accept(text.slice(start, end))) add(start, end);
    }
  },
});

/** Shapes this product keeps itself: its providers' keys (looser than the preset's, which wants exact
 * lengths), and structures no vendor rule covers. `(?<![A-Za-z0-9])` rather than `\b`, so `key_sk-…` counts. */
export const OWN_SHAPES: Shape[] = [
  regexShape('anthropic-key', 'Anthropic API key', RANK.vendor, /(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{20,}/dg),
  regexShape(
    'openai-key',
    'OpenAI API key',
    RANK.vendor,
    /(?<![A-Za-z0-9])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/dg,
  ),
  regexShape('google-key', 'Google API key', RANK.vendor, /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/dg),
  // Header and payload are base64url JSON objects, so both start with `eyJ` ('{"').
  regexShape('jwt', 'JWT', RANK.jwt, /(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/dg),
  regexShape(
    'url-password',
    'URL password',
    RANK.url,
    /:\/\/(?<=[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/)[^\s/?#@:"'<>]*:([^\s/?#@"'<>]+)@/dg,
  ),
  // Without a header name before them: base64 of user:password after Basic (so "Basic gpt-4o usage" stays),
  // an RFC 6750 token after Bearer.
  regexShape(
    'basic-auth',
    'Basic auth credential',
    RANK.scheme,
    /(?<![A-Za-z0-9])Basic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/dgi,
    (v) => v.length % 4 === 0 && looksRandom(v),
  ),
  regexShape(
    'bearer-token',
    'bearer token',
    RANK.scheme,
    /(?<![A-Za-z0-9])Bearer\s+([A-Za-z0-9+/=._~-]{8,})/dgi,
    looksRandom,
  ),
  {
    // From BEGIN to END, or to the end of the text when the END line is missing (a cut-off key still leaks).
    kind: 'private-key',
    label: 'private key',
    rank: RANK.vendor,
    scan(text, add) {
      const begin = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
      const end = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
      for (let b = begin.exec(text); b; b = begin.exec(text)) {
        end.lastIndex = begin.lastIndex;
        const e = end.exec(text);
        if (!e) return add(b.index, text.length);
        add(b.index, end.lastIndex);
        begin.lastIndex = end.lastIndex;
      }
    },
  },
];

// ---- secretlint's recommended preset ----------------------------------------------------------

/** Kinds and labels for the preset's message ids; others get one made from the id (`SENDGRID_KEY` → `sendgrid-key`). */
const PRESET_KINDS: Record<string, [kind: string, label: string]> = {
  AWSAccessKeyID: ['aws-access-key-id', 'AWS access key ID'],
  AWSSecretAccessKey: ['aws-secret-access-key', 'AWS secret access key'],
  AWSAccountID: ['aws-account-id', 'AWS account ID'],
  GITHUB_TOKEN: ['github-token', 'GitHub token'],
  SLACK_TOKEN: ['slack-token', 'Slack token'],
  IncomingWebhook: ['slack-webhook', 'Slack webhook URL'],
  PrivateKey: ['private-key', 'private key'],
  BasicAuth: ['url-password', 'URL password'],
  MongoDBConnection: ['database-url', 'database URL'],
  MySQLConnection: ['database-url', 'database URL'],
  PostgreSQLConnection: ['database-url', 'database URL'],
  OPENAI_TOKEN: ['openai-key', 'OpenAI API key'],
  ANTHROPIC_API_KEY: ['anthropic-key', 'Anthropic API key'],
};

/** The AWS rule scans key ids only when asked. */
const PRESET_OPTIONS: Record<string, object> = { '@secretlint/secretlint-rule-aws': { enableIDScanRule: true } };
/** `filter-comments` is left out: a `secretlint-disable` comment inside the data must not turn redaction off. */
const PRESET_SKIPPED = new Set(['@secretlint/secretlint-rule-filter-comments']);

/**
 * Runs the preset's scanners directly, through the rule API they are written against, synchronously and
 * without @secretlint/core (whose profiler keeps a performance mark per rule and file for the life of the
 * process). A rule that answers with a promise stops the dump rather than being skipped.
 */
export class PresetScanner {
  private add: ((start: number, end: number, messageId: string, data: unknown) => void) | undefined;
  private readonly handlers: Array<{ id: string; handler: SecretLintRuleReportHandler }>;

  constructor() {
    const rules = presetRules as unknown as SecretLintRuleCreator[];
    this.handlers = rules
      .filter((rule) => rule.meta.type === 'scanner' && !PRESET_SKIPPED.has(rule.meta.id))
      .map((rule) => {
        const context: SecretLintRuleContext = {
          sharedOptions: {},
          createTranslator: (() => (messageId: string, data?: object) => ({
            message: messageId,
            messageId,
            data,
          })) as never,
          report: ({ message, range }) => this.add?.(range[0], range[1], message.messageId, message.data),
          ignore: () => undefined,
        };
        return { id: rule.meta.id, handler: rule.create(context, PRESET_OPTIONS[rule.meta.id] ?? {}) };
      });
  }

  scan(text: string, add: (start: number, end: number, kind: string, label: string) => void): void {
    this.add = (start, end, messageId, data) => {
      const [kind, label] = PRESET_KINDS[messageId] ?? [
        messageId.toLowerCase().replace(/_/g, '-'),
        messageId.toLowerCase().replace(/_/g, ' '),
      ];
      add(start, end, kind, label);
      // Also the reported secret itself wherever it stands: a rule's range can be off (the AWS secret
      // key rule reports the start of `aws_secret_access_key = …`, not of the key).
      for (const value of Object.values(data ?? {})) {
        if (typeof value !== 'string' || value.length < 8) continue;
        for (let i = text.indexOf(value); i >= 0; i = text.indexOf(value, i + value.length))
          add(i, i + value.length, kind, label);
      }
    };
    const source = sourceCode(text);
    try {
      for (const { id, handler } of this.handlers) {
        const result = handler.file?.(source) as unknown;
        if (result instanceof Promise || (typeof result === 'object' && result !== null && 'then' in result)) {
          throw new CoreError(
            'Internal',
            `The secret detection rule ${id} works asynchronously, which this version cannot use; the dump was not made rather than left unredacted.`,
          );
        }
      }
    } finally {
      this.add = undefined;
    }
  }
}

function sourceCode(content: string): SecretLintSourceCode {
  const unsupported = () => {
    throw new CoreError(
      'Internal',
      'A secret detection rule asked for source positions, which redaction does not provide.',
    );
  };
  return {
    content,
    hasBOM: false,
    filePath: undefined,
    physicalFilePath: undefined,
    contentType: 'text',
    ext: '',
    getFilePath: () => undefined,
    getPhysicalFilePath: () => undefined,
    locationToRange: unsupported,
    rangeToLocation: unsupported,
    positionToIndex: unsupported,
    indexToPosition: unsupported,
  };
}

/** A user-configured pattern as a shape; refuses one that is not a regular expression or matches empty text. */
export function customShape(p: RedactionPattern): Shape {
  const { name, pattern, flags } = typeof p === 'string' ? { name: undefined, pattern: p, flags: undefined } : p;
  let re: RegExp;
  try {
    re = new RegExp(pattern, [...new Set(`${flags ?? ''}g`)].join(''));
  } catch (e) {
    throw new CoreError(
      'InvalidInput',
      `The redaction pattern /${pattern}/ is not a valid regular expression: ${(e as Error).message}`,
    );
  }
  if (new RegExp(re.source, re.flags.replace('g', '')).test('')) {
    throw new CoreError(
      'InvalidInput',
      `The redaction pattern /${pattern}/ matches empty text; it would mark every position.`,
    );
  }
  const kind = name?.trim().replace(/[^\w.-]+/g, '-') || 'custom';
  return {
    kind,
    label: name?.trim() ? `"${kind}" match` : 'custom pattern match',
    rank: RANK.vendor,
    scan(text, add) {
      for (const m of text.matchAll(re)) add(m.index, m.index + m[0].length);
    },
  };
}
