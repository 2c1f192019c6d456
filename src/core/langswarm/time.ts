// Timestamps as LangSwarm wrote them, and back.
//
// V1 wrote datetime.now().isoformat(): naive local time ("2025-07-08T09:15:02.123456", the fraction
// left out when zero). V2 wrote naive times with a space, the V2 memory store aware UTC times; damaged
// data has "Z", offsets mixed with naive times in one session, and epoch numbers.
//
// The rule for naive times: they are read as local time of the machine importing them (that is what
// LangSwarm meant when it wrote them, on the same machine), or as UTC with `naiveUtc`. The original
// string is always kept (Message.createdAtRaw), since JS dates hold milliseconds, not microseconds.

export interface SourceTime {
  /** ISO 8601 in UTC with milliseconds, as the model stores times. */
  iso: string;
  /** The source gave no offset (so the naive-time rule applied). */
  naive: boolean;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Reads a LangSwarm timestamp; undefined when it is not one. */
export function parseSourceTime(raw: unknown, naiveUtc: boolean): SourceTime | undefined {
  if (typeof raw === 'number') return fromEpoch(raw);
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (/^\d{9,}(\.\d+)?$/.test(text)) return fromEpoch(Number(text));
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const parts: Parts = [
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(frac.padEnd(3, '0').slice(0, 3)),
  ];
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 60)
    return undefined;
  let ms: number;
  if (zone) {
    const offset = zone.toUpperCase() === 'Z' ? 0 : offsetMinutes(zone);
    ms = utc(parts) - offset * 60_000;
  } else {
    ms = naiveUtc ? utc(parts) : local(parts);
  }
  return valid(ms, zone === undefined);
}

type Parts = readonly [number, number, number, number, number, number, number];

// Date.UTC and new Date(y, …) read years 0–99 as 1900–1999: those few go the long way.
function utc(p: Parts): number {
  if (p[0] >= 100) return Date.UTC(...p);
  const date = new Date(0);
  date.setUTCFullYear(p[0], p[1], p[2]);
  date.setUTCHours(p[3], p[4], p[5], p[6]);
  return date.getTime();
}

function local(p: Parts): number {
  if (p[0] >= 100) return new Date(...p).getTime();
  const date = new Date(2000, 0, 1);
  date.setFullYear(p[0], p[1], p[2]);
  date.setHours(p[3], p[4], p[5], p[6]);
  return date.getTime();
}

function offsetMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

/** Seconds since 1970 (Python's time.time()), or milliseconds when that large. */
function fromEpoch(n: number): SourceTime | undefined {
  if (!Number.isFinite(n)) return undefined;
  return valid(Math.abs(n) < 1e11 ? n * 1000 : n, false);
}

function valid(ms: number, naive: boolean): SourceTime | undefined {
  if (!Number.isFinite(ms) || ms < -62135596800000 || ms > 253402300799999) return undefined; // years 1..9999
  return { iso: new Date(ms).toISOString(), naive };
}

export type TimeStyle = 'naive-local' | 'naive-utc' | 'offset';

/** What style a source time string has, to write changed times the same way. */
export function timeStyle(raw: unknown, naiveUtc: boolean): TimeStyle {
  const t = typeof raw === 'string' ? parseSourceTime(raw, naiveUtc) : undefined;
  if (!t?.naive) return 'offset';
  return naiveUtc ? 'naive-utc' : 'naive-local';
}

/** A time as Python's datetime.isoformat() writes it (microseconds only when non-zero). */
export function formatPythonTime(iso: string, style: TimeStyle): string {
  const date = new Date(iso);
  const local = style === 'naive-local';
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const y = local ? date.getFullYear() : date.getUTCFullYear();
  const fields = local
    ? [
        date.getMonth() + 1,
        date.getDate(),
        date.getHours(),
        date.getMinutes(),
        date.getSeconds(),
        date.getMilliseconds(),
      ]
    : [
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        date.getUTCHours(),
        date.getUTCMinutes(),
        date.getUTCSeconds(),
        date.getUTCMilliseconds(),
      ];
  const [mo, d, h, mi, s, ms] = fields as [number, number, number, number, number, number];
  const fraction = ms ? `.${pad(ms * 1000, 6)}` : '';
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${fraction}${style === 'offset' ? '+00:00' : ''}`;
}
