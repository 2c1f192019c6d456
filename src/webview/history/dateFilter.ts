// The session list's date filters: text boxes taking YYYY-MM-DD, not <input type=date>: Chromium makes each part
// of a date field (month, day, year, picker) its own Tab stop, four per field; VS Code's own inputs are one stop each.
import { h } from '../shared/dom';

/** A date filter box; `changed` gets the day typed, or undefined when it is empty or not a date. */
export function dateInput(
  name: 'from' | 'to',
  label: string,
  changed: (day: string | undefined) => void,
): HTMLInputElement {
  const d = h('input', {
    type: 'text',
    class: `date-input filter-${name}`,
    placeholder: 'YYYY-MM-DD',
    inputmode: 'numeric',
    maxlength: 10,
    spellcheck: 'false',
    'aria-label': `${label}, YYYY-MM-DD`,
    title: label,
  });
  d.addEventListener('change', () => {
    const text = d.value.trim();
    const day = calendarDay(text);
    // A typo filters nothing and says so, rather than filtering by the value before it.
    const invalid = text !== '' && day === undefined;
    d.setAttribute('aria-invalid', String(invalid));
    d.title = invalid ? `Not a date: write it as YYYY-MM-DD (${label})` : label;
    changed(day);
  });
  return d;
}

/** `text` if it is a real calendar day written YYYY-MM-DD (no 2026-02-30), else undefined. */
export function calendarDay(text: string | undefined): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d ? text : undefined;
}

/** The start of a local calendar day (plus `days`) as an ISO instant. */
export function localMidnight(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00`);
  d.setDate(d.getDate() + days);
  return d.toISOString();
}
