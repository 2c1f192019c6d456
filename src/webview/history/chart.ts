// The open session's chart: per model call, input tokens against the model's context window (with marks where
// the request was trimmed and where the cache was hit), output tokens, cost and latency, in three small charts
// sharing one cursor. uPlot draws on canvas (docs/PROVIDERS_NOTES.md says why it); colours are the theme's,
// read from its CSS variables and read again when the theme changes. The series comes from the host, computed
// in the store worker (core/turn-series.ts): nothing here walks messages.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { IpcRequest, type TurnSeries } from '../../protocol';
import { button, clear, h } from '../shared/dom';
import { request } from '../shared/ipc';
import { compact, fade, largest, percent, seconds, toSeconds, turnText, usdTick } from './chartText';

export interface ChartEvents {
  /** Shows a turn's message in the feed. */
  reveal(seq: number): void;
  /** The panel was opened or closed (the view's saved state keeps it). */
  toggled(open: boolean): void;
  say(text: string): void;
}

/** When the context window is this many times the largest input, its line would flatten the chart: it is named instead. */
const WINDOW_OFF_SCALE = 10;
const PLOT_HEIGHT = 104;
const TURN_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000];

interface Palette {
  input: string;
  cached: string;
  output: string;
  cost: string;
  latency: string;
  firstToken: string;
  trimmed: string;
  window: string;
  axis: string;
  grid: string;
  font: string;
}

/** The theme's colours (VS Code's chart and text variables), with fallbacks for themes that set none. */
function palette(): Palette {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(`--vscode-${name}`).trim() || fallback;
  const foreground = v('foreground', '#888');
  return {
    input: v('charts-blue', '#3794ff'),
    cached: v('charts-green', '#89d185'),
    output: v('charts-purple', '#b180d7'),
    cost: v('charts-orange', '#d18616'),
    latency: v('charts-blue', '#3794ff'),
    firstToken: v('charts-purple', '#b180d7'),
    trimmed: v('charts-red', v('errorForeground', '#f14c4c')),
    window: v('charts-foreground', foreground),
    axis: v('descriptionForeground', foreground),
    grid: v('charts-lines', 'rgba(128, 128, 128, 0.25)'),
    font: `11px ${style.getPropertyValue('--vscode-font-family').trim() || 'sans-serif'}`,
  };
}

export class SessionChart {
  readonly element: HTMLElement;
  /** The session header's toggle (moved into each header as it is rendered). */
  readonly toggle: HTMLButtonElement;
  private readonly plots: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly readout: HTMLElement;
  private charts: uPlot[] = [];
  private series: TurnSeries | undefined;
  private sessionId: string | undefined;
  private generation = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private redraw = 0;

  constructor(
    private readonly events: ChartEvents,
    private open = false,
  ) {
    this.toggle = button('graph', 'Chart: tokens, cost and latency per turn', () => this.setOpen(!this.open), {
      class: 'icon-button chart-toggle',
      'aria-controls': 'lss-chart',
      'aria-pressed': 'false',
    });
    this.plots = h('div', {
      class: 'chart-plots',
      tabindex: '0',
      role: 'group',
      'aria-label': 'Per-turn charts: Left and Right step through the turns, Enter shows the turn’s message',
    });
    this.plots.addEventListener('keydown', (e) => this.onKey(e));
    this.legend = h('div', { class: 'chart-legend' });
    this.readout = h('div', { class: 'chart-readout', 'aria-live': 'polite' });
    this.element = h(
      'section',
      { class: 'chart-panel', id: 'lss-chart', 'aria-label': 'Tokens, cost and latency per turn', hidden: true },
      this.legend,
      this.readout,
      this.plots,
    );
    new ResizeObserver(() => this.resize()).observe(this.plots);
    // VS Code changes the body's class (vscode-light/dark/high-contrast) when the colour theme changes.
    // and its theme id attribute (a dark theme for another dark one), with the variables on <html>'s style.
    const themeChanged = new MutationObserver(() => {
      cancelAnimationFrame(this.redraw);
      this.redraw = requestAnimationFrame(() => this.draw());
    });
    themeChanged.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
    themeChanged.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
    this.setOpen(open, false);
  }

  get isOpen(): boolean {
    return this.open;
  }

  setOpen(open: boolean, notify = true): void {
    this.open = open;
    this.element.hidden = !open || this.sessionId === undefined;
    this.toggle.setAttribute('aria-pressed', String(open));
    this.toggle.title = open ? 'Hide the chart' : 'Chart: tokens, cost and latency per turn';
    this.toggle.setAttribute('aria-label', this.toggle.title);
    if (notify) this.events.toggled(open);
    if (open) void this.load();
    else this.destroy();
  }

  /** The session shown now (undefined: none). */
  show(sessionId: string | undefined): void {
    if (sessionId === this.sessionId) return;
    this.sessionId = sessionId;
    this.series = undefined;
    this.destroy();
    this.element.hidden = !this.open || sessionId === undefined;
    if (this.open) void this.load();
  }

  /** The session's calls or messages changed (a turn ended): reload soon, at most once for a burst of changes. */
  changed(sessionId: string | undefined): void {
    if (!this.open || !this.sessionId || (sessionId !== undefined && sessionId !== this.sessionId)) return;
    this.reloadTimer ??= setTimeout(() => {
      this.reloadTimer = undefined;
      void this.load();
    }, 200);
  }

  private async load(): Promise<void> {
    const sessionId = this.sessionId;
    if (!sessionId) return;
    const generation = ++this.generation;
    try {
      const series = await request(IpcRequest.SessionChart, { sessionId });
      if (generation !== this.generation || !this.open) return;
      this.series = series;
      this.draw();
    } catch (e) {
      if (generation === this.generation) this.events.say(`Could not chart the session: ${(e as Error).message}`);
    }
  }

  private destroy(): void {
    for (const c of this.charts) c.destroy();
    this.charts = [];
  }

  private resize(): void {
    const width = this.plots.clientWidth;
    if (width > 0) for (const c of this.charts) c.setSize({ width, height: PLOT_HEIGHT });
  }

  /** (Re)builds the charts from the series with the theme's colours now. */
  private draw(): void {
    this.destroy();
    clear(this.plots);
    const s = this.series;
    if (!s || !this.open) return;
    const n = s.at.length;
    if (n === 0) {
      this.legend.replaceChildren('No model calls recorded and no reply with token usage in this session yet.');
      this.readout.replaceChildren();
      return;
    }
    const p = palette();
    const x = s.at.map((_, i) => i + 1);
    const peak = largest(s.input);
    const maxWindow = s.contextWindow.some((w) => w !== null) ? largest(s.contextWindow) : undefined;
    const windowShown = maxWindow !== undefined && maxWindow <= WINDOW_OFF_SCALE * Math.max(peak, 1);
    const cacheHits = s.cachedInput.map((v, i) => (v ? s.input[i]! : null));
    const trimmed = s.trimmedTurns.map((t, i) => (t > 0 || s.droppedItems[i]! > 0 ? i : -1)).filter((i) => i >= 0);
    const failed = s.latencyMs.map((v, i) => (s.outcome[i] === 'ok' ? null : (v ?? 0) / 1000));

    this.legend.replaceChildren(...this.legendItems(s, { maxWindow, windowShown, peak, trimmed: trimmed.length }));
    const width = this.plots.clientWidth || 600;
    const cursor = (): uPlot.Cursor => ({
      sync: { key: 'lss-chart' },
      y: false,
      drag: { x: false, y: false },
      points: { size: 6 },
    });
    const axis = (side: 1 | 3, format: (v: number) => string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
      side,
      stroke: p.axis,
      font: p.font,
      grid: { stroke: p.grid, width: 1, show: side === 3 },
      ticks: { stroke: p.grid, size: 4 },
      size: 56,
      values: (_u, ticks) => ticks.map(format),
      ...extra,
    });
    /** Turns on x (whole numbers only); `format` on the left; on the right `right`'s scale, or room to keep x aligned. */
    const axes = (format: (v: number) => string, right?: uPlot.Axis): uPlot.Axis[] => [
      { ...axis(3, String), side: 2, size: 24, grid: { stroke: p.grid, width: 1 }, incrs: TURN_STEPS },
      axis(3, format),
      right ?? axis(1, () => '', { ticks: { show: false } }),
    ];
    // Each turn in the middle of its own slot, so the first and last bars are whole and easy to point at.
    const scales = (y: uPlot.Scale): uPlot.Scales => ({ x: { time: false, range: () => [0.5, n + 0.5] }, y });
    const base = (title: string) => ({
      width,
      height: PLOT_HEIGHT,
      title,
      legend: { show: false },
      cursor: cursor(),
      hooks: { setCursor: [(u: uPlot) => this.showTurn(u.cursor.idx ?? null)] },
    });
    const marker = (stroke: string, fill: string, size: number): Partial<uPlot.Series> => ({
      stroke,
      width: 0,
      paths: () => null,
      points: { show: true, size, stroke, fill, width: 2 },
    });

    const tokens = new uPlot(
      {
        ...base('Tokens per turn'),
        // Output is a hundredth of the input in a long session: it has its own scale, on the right.
        axes: axes(compact, axis(1, compact, { scale: 'out', stroke: p.output })),
        scales: {
          ...scales({ range: (_u, _min, max) => [0, Math.max(max, windowShown ? maxWindow! : 0, 1) * 1.05] }),
          out: { range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] },
        },
        series: [
          {},
          { label: 'Input', stroke: p.input, fill: fade(p.input, 0.15), width: 1.5 },
          { label: 'Cached input', stroke: p.cached, width: 1.5 },
          { label: 'Output', stroke: p.output, width: 1.5, scale: 'out' },
          {
            label: 'Context window',
            stroke: p.window,
            width: 1,
            dash: [6, 4],
            show: windowShown,
            points: { show: false },
          },
          { label: 'Cache hit', ...marker(p.cached, p.cached, 6) },
        ],
        hooks: {
          ...base('').hooks,
          // History trimmed before this turn's request: a dashed line through the chart with a mark on top.
          draw: [
            (u: uPlot) =>
              drawTrimmed(
                u,
                trimmed.map((i) => x[i]!),
                p.trimmed,
              ),
          ],
        },
      },
      [x, s.input, s.cachedInput, s.output, s.contextWindow, cacheHits],
      this.plots,
    );
    const cost = new uPlot(
      {
        ...base('Cost per turn (USD)'),
        axes: axes(usdTick),
        scales: scales({ range: (_u, _min, max) => [0, (max || 0.0001) * 1.1] }),
        series: [
          {},
          {
            label: 'Cost',
            stroke: p.cost,
            fill: fade(p.cost, 0.6),
            width: 1,
            paths: uPlot.paths.bars!({ size: [0.7, 24] }),
            points: { show: false },
          },
        ],
      },
      [x, s.cost],
      this.plots,
    );
    const latency = new uPlot(
      {
        ...base('Latency per turn (seconds)'),
        axes: axes(seconds),
        scales: scales({ range: (_u, _min, max) => [0, (max || 1) * 1.1] }),
        series: [
          {},
          { label: 'Latency', stroke: p.latency, width: 1.5 },
          { label: 'First token', stroke: p.firstToken, width: 1, dash: [3, 3] },
          { label: 'Failed', ...marker(p.trimmed, p.trimmed, 7) },
        ],
      },
      [x, s.latencyMs.map(toSeconds), s.firstTokenMs.map(toSeconds), failed],
      this.plots,
    );
    this.charts = [tokens, cost, latency];
    for (const c of this.charts) c.over.addEventListener('click', () => this.clicked(c.cursor.idx ?? null));
    this.showTurn(null);
  }

  private legendItems(
    s: TurnSeries,
    w: { maxWindow?: number; windowShown: boolean; peak: number; trimmed: number },
  ): Node[] {
    // Swatches take their colour from history.css (the same theme variables), so no style is set from here.
    const item = (role: string, kind: string, text: string) =>
      h('span', { class: 'legend-item' }, h('span', { class: `swatch ${kind} ${role}` }), text);
    const unknownCosts = s.cost.filter((c) => c === null).length;
    const windowText =
      w.maxWindow === undefined
        ? 'context window unknown (not in the price table; "contextWindow" in the langswarmSessions.prices setting gives it)'
        : w.windowShown
          ? `context window ${compact(w.maxWindow)}`
          : `context window ${compact(w.maxWindow)}, off the scale: the largest turn used ${percent(w.peak / w.maxWindow)} of it`;
    return [
      item('input', 'area', 'input'),
      item('cached', 'line', 'cached input'),
      item('cached', 'dot', 'cache hit'),
      item('output', 'line', 'output (right scale)'),
      item('window', 'dash', windowText),
      item(
        'trimmed',
        'rule',
        w.trimmed ? `history trimmed (${w.trimmed} turn${w.trimmed === 1 ? '' : 's'})` : 'history trimmed (none)',
      ),
      item(
        'cost',
        'area',
        unknownCosts ? `cost (no bar for ${unknownCosts} of ${s.cost.length}: price unknown or no usage)` : 'cost',
      ),
      item('latency', 'line', 'latency'),
      item('first-token', 'dash', 'first token'),
      item('trimmed', 'dot', 'failed call'),
    ];
  }

  /** The cursor's turn in words (the chart's tooltip), or how to use the chart when the cursor is off it. */
  private showTurn(idx: number | null): void {
    const s = this.series;
    if (!s || idx === null || idx < 0 || idx >= s.at.length) {
      this.readout.textContent = s?.at.length
        ? `${s.at.length} turn${s.at.length === 1 ? '' : 's'} · point at one for its numbers, click to show its message`
        : '';
      return;
    }
    this.readout.textContent = turnText(s, idx);
  }

  /** The keyboard's way through the chart: the cursor moves turn by turn (the readout says it), Enter reveals. */
  private onKey(e: KeyboardEvent): void {
    const [first] = this.charts;
    const n = this.series?.at.length ?? 0;
    if (!first || n === 0) return;
    const idx = first.cursor.idx ?? -1;
    const next =
      e.key === 'ArrowRight'
        ? Math.min(n - 1, idx + 1)
        : e.key === 'ArrowLeft'
          ? Math.max(0, idx < 0 ? n - 1 : idx - 1)
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? n - 1
              : undefined;
    if (e.key === 'Enter' && idx >= 0) this.clicked(idx);
    else if (next === undefined) return;
    else first.setCursor({ left: first.valToPos(next + 1, 'x'), top: first.bbox.height / devicePixelRatio / 2 });
    e.preventDefault();
  }

  private clicked(idx: number | null): void {
    const seq = idx === null ? undefined : this.series?.seq[idx];
    if (seq === undefined) return;
    if (seq === null) this.events.say(`Turn ${idx! + 1}'s message is no longer in this session.`);
    else this.events.reveal(seq);
  }
}

function drawTrimmed(u: uPlot, turns: number[], colour: string): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.strokeStyle = ctx.fillStyle = colour;
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
  for (const turn of turns) {
    const px = Math.round(u.valToPos(turn, 'x', true));
    ctx.beginPath();
    ctx.moveTo(px, bbox.top);
    ctx.lineTo(px, bbox.top + bbox.height);
    ctx.stroke();
    const size = 5 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(px - size, bbox.top);
    ctx.lineTo(px + size, bbox.top);
    ctx.lineTo(px, bbox.top + size * 1.4);
    ctx.fill();
  }
  ctx.restore();
}
