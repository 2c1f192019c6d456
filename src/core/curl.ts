// "Copy as cURL": one recorded HTTP attempt as a shell command that makes the same request again — method,
// URL, headers and the body byte for byte — with the API key left as an environment variable (the trace never
// holds it). For POSIX shells (bash, zsh, dash): every recorded value is single-quoted, so nothing in it expands.
import { CoreError } from './errors';
import type { TraceAttempt } from './turn-trace';

/** How each provider takes its key, and the variable the command reads it from. */
const AUTH: Record<string, { variable: string; header: string }> = {
  openai: { variable: 'OPENAI_API_KEY', header: 'Authorization: Bearer ' },
  anthropic: { variable: 'ANTHROPIC_API_KEY', header: 'x-api-key: ' },
  gemini: { variable: 'GEMINI_API_KEY', header: 'x-goog-api-key: ' },
};

/** Headers curl works out itself (and would get wrong if copied: the length, the connection). */
const COMPUTED = new Set(['content-length', 'host', 'connection', 'transfer-encoding', 'keep-alive']);

/**
 * Above this many bytes the body goes through a pipe, not an argument: Linux refuses one argument over 128 KiB
 * (MAX_ARG_STRLEN). Not a heredoc: it ends the data with a newline the call never sent.
 */
export const INLINE_BODY_MAX = 100_000;

export interface CurlCommand {
  command: string;
  /** The variable that must hold the key (absent for a provider with no key we know). */
  keyVariable?: string;
  /** The body is piped in by printf (a shell builtin, so no argument limit) rather than given inline. */
  piped: boolean;
}

/** Single-quotes `s` for a POSIX shell: everything in it is literal; a quote is closed, escaped and reopened. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The curl command that repeats `attempt` of a call to `provider` (openai, anthropic, gemini). */
export function curlCommand(attempt: TraceAttempt, provider: string): CurlCommand {
  const body = attempt.requestBody;
  // A shell argument is a C string: a NUL byte would cut it there (and bash drops NULs from command text).
  if (body.includes('\0'))
    throw new CoreError(
      'InvalidInput',
      'This request body contains a NUL character, which no shell command can carry: copy the body from the Raw tab into a file and send it with curl --data-binary @FILE.',
    );
  const method = attempt.method.toUpperCase();
  const headers = Object.entries(attempt.requestHeaders).filter(([name]) => !COMPUTED.has(name.toLowerCase()));
  const compressed = headers.some(([name]) => name.toLowerCase() === 'accept-encoding');
  const streamed =
    /[?&]alt=sse(&|$)/.test(attempt.url) ||
    headers.some(([name, value]) => name.toLowerCase() === 'accept' && value.includes('text/event-stream'));
  const piped = new TextEncoder().encode(body).length > INLINE_BODY_MAX;
  const auth = AUTH[provider];

  /** One option (with its value) per line. */
  const args: string[] = ['curl'];
  // curl's default method: GET, or POST once there is data. Anything else is said.
  if (method !== (body ? 'POST' : 'GET')) args.push(`-X ${shellQuote(method)}`);
  args.push(shellQuote(attempt.url));
  // Show a stream as it arrives; decode a compressed reply (the encoding header is curl's to send then).
  if (streamed) args.push('--no-buffer');
  if (compressed) args.push('--compressed');
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'accept-encoding') continue;
    // `-H 'name;'` is how curl sends a header with an empty value (`name:` would remove it).
    args.push(`-H ${shellQuote(value === '' ? `${name};` : `${name}: ${value}`)}`);
  }
  // Double quotes here only, around constant text: the shell expands the variable and nothing else.
  if (auth) args.push(`-H "${auth.header}$${auth.variable}"`);
  if (body) args.push(`--data-binary ${piped ? '@-' : shellQuote(body)}`);

  const curl = args.join(' \\\n  ');
  return {
    command: piped ? `printf '%s' ${shellQuote(body)} | ${curl}` : curl,
    ...(auth ? { keyVariable: auth.variable } : {}),
    piped,
  };
}
