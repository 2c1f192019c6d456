// Errors are values with a code and a sentence a user can act on.
import type { ZodError } from 'zod';

export type ErrorCode =
  | 'SessionNotFound'
  | 'MessageNotFound'
  | 'InvalidInput'
  | 'InvalidTransition'
  | 'SessionNotWritable'
  | 'NotADatabase'
  | 'ForeignSchema'
  | 'SchemaTooNew'
  | 'DatabaseBusy'
  | 'DatabaseReadOnly'
  | 'DatabaseClosed'
  | 'StorageFull'
  | 'StorageError'
  | 'CorruptDatabase'
  | 'ImportRejected'
  | 'ProviderError'
  | 'Cancelled'
  /** The store's worker stopped answering and was restarted (src/core/worker). */
  | 'StoreStopped'
  | 'Internal';

export class CoreError extends Error {
  override readonly name = 'CoreError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Errors caused by what the user asked for (as opposed to bugs or the machine). */
  get isUserError(): boolean {
    return !['Internal', 'StorageError', 'StorageFull', 'CorruptDatabase', 'StoreStopped'].includes(this.code);
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isCoreError(e: unknown, code?: ErrorCode): e is CoreError {
  return e instanceof CoreError && (code === undefined || e.code === code);
}

/** Turns a zod failure into one readable sentence: "role: Invalid option … ; content: …". */
export function invalidInput(what: string, error: ZodError): CoreError {
  const problems = error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  return new CoreError('InvalidInput', `Invalid ${what}: ${problems.join('; ')}`, { issues: error.issues });
}

export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
