// What a LangSwarm file said about a session's size that the model does not hold as its own: LangSwarm's
// token and message counts (V1 metadata.total_tokens / message_count, the V2 session store's session_metrics).
// The spec calls them unreliable (the importer recounts messages; LangSwarm's token count is not usage), so
// they are shown as the file's figures, never added to usage or priced.
import type { SessionOrigin } from '../model';
import { isObject } from './normalise';

export interface SourceCounts {
  tokens?: number;
  messages?: number;
}

const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

/** The file's own counts for an imported session; empty for a native one or a file without them. */
export function sourceCounts(origin: SessionOrigin | undefined): SourceCounts {
  const fields = origin?.fields;
  const held = isObject(fields?.['metadata'])
    ? fields['metadata']
    : isObject(fields?.['session_metrics'])
      ? fields['session_metrics']
      : undefined;
  if (!held) return {};
  const tokens = count(held['total_tokens']);
  const messages = count(held['message_count']);
  return { ...(tokens === undefined ? {} : { tokens }), ...(messages === undefined ? {} : { messages }) };
}
