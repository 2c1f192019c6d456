// The composer's model parameters: a compact summary beside the model ("effort high · temp 0.2 · 2 tools"), and, when
// opened, the three that are changed most (reasoning effort, temperature, max output tokens) inline. Tools, safety
// settings and the rest are edited in VS Code ("More…": Set Model Parameters…). Changes go to the host at once; the
// session comes back as stored, and the view repaints from it.
import type { Session } from '../../core/model';
import { MAX_OUTPUT_TOKENS_LIMIT, MAX_TEMPERATURE, REASONING_EFFORTS } from '../../core/names';
import { parametersSummary } from '../../core/text';
import { IpcCommand, IpcRequest, ParamsOf } from '../../protocol';
import { h, icon } from '../shared/dom';
import { command, request } from '../shared/ipc';

type Inline = Omit<ParamsOf<typeof IpcRequest.SetParameters>, 'sessionId'>;

export class ComposerParams {
  /** The summary button, for the toolbar. */
  readonly toggle: HTMLButtonElement;
  /** The inline controls, under the toolbar (hidden until the summary is clicked). */
  readonly panel: HTMLElement;
  private session: Session | undefined;
  private readonly effort: HTMLSelectElement;
  private readonly temperature: HTMLInputElement;
  private readonly maxTokens: HTMLInputElement;

  constructor(private readonly events: { changed(session: Session): void; failed(message: string): void }) {
    this.toggle = h('button', { type: 'button', class: 'link-button composer-params', 'aria-expanded': 'false' });
    this.toggle.addEventListener('click', () => this.setOpen(this.toggle.getAttribute('aria-expanded') !== 'true'));
    this.effort = h(
      'select',
      { class: 'params-effort', 'aria-label': 'Reasoning effort' },
      h('option', { value: '' }, 'default'),
      ...REASONING_EFFORTS.map((e) => h('option', { value: e }, e)),
    );
    this.effort.addEventListener(
      'change',
      () => void this.apply({ effort: this.effort.value ? (this.effort.value as Inline['effort']) : null }),
    );
    this.temperature = numberInput('params-temperature', 'Temperature', {
      min: '0',
      max: String(MAX_TEMPERATURE),
      step: '0.1',
    });
    this.temperature.addEventListener('change', () => this.applyNumber(this.temperature, 'temperature'));
    this.maxTokens = numberInput('params-max-tokens', 'Max output tokens', {
      min: '1',
      max: String(MAX_OUTPUT_TOKENS_LIMIT),
      step: '1',
    });
    this.maxTokens.addEventListener('change', () => this.applyNumber(this.maxTokens, 'maxOutputTokens'));
    const more = h(
      'button',
      { type: 'button', class: 'link-button params-more', title: 'Tools, safety settings, Edit as JSON…' },
      'More…',
    );
    more.addEventListener('click', () => {
      if (this.session) command(IpcCommand.EditParameters, { sessionId: this.session.id });
    });
    this.panel = h(
      'div',
      { class: 'composer-params-edit', role: 'group', 'aria-label': 'Model parameters', hidden: true },
      h('label', null, 'Effort ', this.effort),
      h('label', null, 'Temperature ', this.temperature),
      h('label', null, 'Max tokens ', this.maxTokens),
      more,
    );
  }

  /** The open session's parameters (again after each reload). */
  show(session: Session): void {
    const other = session.id !== this.session?.id;
    this.session = session;
    if (other) this.setOpen(false);
    const p = session.parameters;
    const summary = session.parametersProblem ? 'parameters need fixing' : parametersSummary(p) || 'default parameters';
    this.toggle.replaceChildren(icon(session.parametersProblem ? 'warning' : 'settings'), ' ', summary);
    this.toggle.title = session.parametersProblem ?? `Model parameters: ${summary} (click to change)`;
    this.effort.value = p?.reasoning?.effort ?? '';
    // A box being typed in keeps what is typed.
    if (document.activeElement !== this.temperature) this.temperature.value = p?.temperature?.toString() ?? '';
    if (document.activeElement !== this.maxTokens) this.maxTokens.value = p?.maxOutputTokens?.toString() ?? '';
  }

  private setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
  }

  private applyNumber(input: HTMLInputElement, key: 'temperature' | 'maxOutputTokens'): void {
    const text = input.value.trim();
    if (!text) return void this.apply({ [key]: null });
    const n = Number(text);
    const max = key === 'temperature' ? MAX_TEMPERATURE : MAX_OUTPUT_TOKENS_LIMIT;
    const ok = key === 'temperature' ? n >= 0 && n <= max : Number.isInteger(n) && n >= 1 && n <= max;
    if (!input.validity.valid || !ok) {
      const what =
        key === 'temperature'
          ? `A temperature is a number from 0 to ${max}`
          : `Max tokens is a whole number from 1 to ${max}`;
      return this.events.failed(`${what}; empty uses the provider's default. Nothing was changed.`);
    }
    void this.apply({ [key]: n });
  }

  private async apply(change: Inline): Promise<void> {
    const s = this.session;
    if (!s) return;
    try {
      const { session } = await request(IpcRequest.SetParameters, { sessionId: s.id, ...change });
      this.events.changed(session);
    } catch (e) {
      this.events.failed((e as Error).message);
      this.show(s); // back to what is stored
    }
  }
}

function numberInput(cls: string, label: string, range: { min: string; max: string; step: string }): HTMLInputElement {
  return h('input', { type: 'number', class: cls, 'aria-label': label, placeholder: 'default', ...range });
}
