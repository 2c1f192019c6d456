// The extension's settings (package.json "contributes.configuration"), parsed with zod: a bad
// value falls back to its default instead of breaking the extension.
import { z } from 'zod';
import { KNOWN_PROVIDERS } from './core/model';

export const GROUPINGS = ['status', 'provider', 'tag', 'day'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export const Settings = z.object({
  /** Empty: `.vscode/langswarm-sessions.sqlite` in the first workspace folder (global storage without one). */
  databasePath: z.string().trim().catch(''),
  grouping: z.enum(GROUPINGS).catch('status'),
  /** 0 turns auto-archive off. */
  autoArchiveDays: z.number().int().min(0).max(3650).catch(0),
  defaultProvider: z.enum(KNOWN_PROVIDERS).catch('replay'),
  defaultModel: z.string().trim().catch(''),
  /** Turn traces older than this many days are pruned (0: kept however old). Messages are never pruned. */
  traceRetentionDays: z.number().min(0).max(36500).catch(0),
  /** Turn traces beyond this many megabytes are pruned, oldest first (0: no limit). */
  traceRetentionMegabytes: z.number().min(0).catch(256),
});
export type Settings = z.infer<typeof Settings>;

/** The store's trace retention from the settings; undefined when both limits are off. */
export function traceRetentionOf(s: Pick<Settings, 'traceRetentionDays' | 'traceRetentionMegabytes'>) {
  const retention = {
    maxAgeDays: s.traceRetentionDays || undefined,
    maxMegabytes: s.traceRetentionMegabytes || undefined,
  };
  return retention.maxAgeDays || retention.maxMegabytes ? retention : undefined;
}

export const DEFAULT_DATABASE_PATH = '.vscode/langswarm-sessions.sqlite';

/** Models offered first in "Create Session" for each provider (any other name can be typed). */
/** Current models named in the pinned SDKs' types (November 2026); deprecated ones are left out. */
export const SUGGESTED_MODELS: Record<(typeof KNOWN_PROVIDERS)[number], string[]> = {
  openai: ['gpt-5.5', 'gpt-5.4-mini', 'gpt-5.4-nano'],
  anthropic: ['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-haiku-5-5'],
  gemini: ['gemini-3.5-flash', 'gemini-3.1-pro-preview', 'gemini-2.5-pro'],
  replay: ['recorded'],
};
