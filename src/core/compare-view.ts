// A comparison as the compare view needs it, built where the messages are (the store's worker in the editor):
// the alignment, setup changes and totals of compare.ts, plus each side's message seqs, roles and metrics by
// index. Message content stays behind: the view pages it in by seq as rows scroll into sight.
import { type CompareSide, type MessageMetrics, type SessionComparison, compareSessions, sideMetrics } from './compare';
import type { PriceOverrides } from './cost';
import type { Role, Session } from './model';

export interface ComparedSide {
  session: Session;
  /** By message index (the alignment's a/b). */
  seqs: number[];
  roles: Role[];
  metrics: MessageMetrics[];
}

export interface StoredComparison {
  a: ComparedSide;
  b: ComparedSide;
  comparison: SessionComparison;
}

export function storedComparison(
  a: CompareSide & { session: Session },
  b: CompareSide & { session: Session },
  overrides?: PriceOverrides,
): StoredComparison {
  const side = (s: CompareSide & { session: Session }): ComparedSide => ({
    session: s.session,
    seqs: s.messages.map((m) => m.seq),
    roles: s.messages.map((m) => m.role),
    metrics: sideMetrics(s, overrides),
  });
  return { a: side(a), b: side(b), comparison: compareSessions(a, b, overrides) };
}
