// Replay: step through a conversation turn by turn (buttons, ←/→, play/pause at a speed), with a timeline
// of when each message was written. Long pauses are drawn as marked breaks so they don't flatten the rest.
import { button, formatDuration, formatTime, h } from '../shared/dom';

export interface ReplayEvents {
  /** Show the conversation up to and including step `pos` (a position among the shown messages). */
  show(pos: number): void;
  close(): void;
}

/** A pause longer than this is a gap: drawn as a break, its length capped on the timeline. */
export const GAP_MS = 10 * 60_000;
const SPEEDS = [0.5, 1, 2, 4, 8];
const BASE_STEP_MS = 1200;

export class ReplayBar {
  readonly element: HTMLElement;
  pos = 0;
  private times: number[] = [];
  private xs: number[] = [];
  private gaps: Array<{ at: number; ms: number }> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private speed = 1;
  private readonly playButton: HTMLButtonElement;
  private readonly label: HTMLElement;
  private readonly timeLabel: HTMLElement;
  private readonly gapLabel: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly track: HTMLElement;

  constructor(private readonly events: ReplayEvents) {
    this.playButton = button('play', 'Play (Space)', () => this.togglePlay(), {
      class: 'icon-button replay-play',
      'aria-pressed': 'false',
    });
    const speed = h(
      'select',
      { class: 'replay-speed', 'aria-label': 'Replay speed' },
      ...SPEEDS.map((s) => h('option', { value: s, selected: s === 1 }, `${s}×`)),
    );
    speed.addEventListener('change', () => {
      this.speed = Number(speed.value);
      if (this.timer) this.schedule();
    });
    this.label = h('span', { class: 'replay-step', 'aria-live': 'polite' });
    this.timeLabel = h('span', { class: 'replay-time' });
    this.gapLabel = h('span', { class: 'replay-gaps' });
    this.canvas = h('canvas', { class: 'timeline-canvas', 'aria-hidden': 'true' });
    this.track = h(
      'div',
      { class: 'timeline', role: 'slider', tabindex: 0, 'aria-label': 'Timeline', 'aria-valuemin': 1 },
      this.canvas,
    );
    this.track.addEventListener('click', (e) => this.go(this.nearest(e.offsetX)));
    this.track.addEventListener('mousemove', (e) => {
      this.track.title = this.describeAt(e.offsetX);
    });
    this.track.addEventListener('keydown', (e) => {
      const moves: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, PageDown: 10, PageUp: -10 };
      if (e.key === 'Home') this.go(0);
      else if (e.key === 'End') this.go(this.times.length - 1);
      else if (moves[e.key] !== undefined) this.go(this.pos + moves[e.key]!);
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    this.element = h(
      'div',
      { class: 'replay-bar', role: 'toolbar', 'aria-label': 'Replay', hidden: true },
      button('debug-step-back', 'Previous turn (←)', () => this.go(this.pos - 1), { class: 'icon-button replay-prev' }),
      this.playButton,
      button('debug-step-over', 'Next turn (→)', () => this.go(this.pos + 1), { class: 'icon-button replay-next' }),
      speed,
      this.label,
      this.track,
      this.timeLabel,
      this.gapLabel,
      button('close', 'Stop replay', () => this.events.close(), { class: 'icon-button replay-close' }),
    );
    new ResizeObserver(() => this.draw()).observe(this.track);
  }

  get active(): boolean {
    return !this.element.hidden;
  }

  /** The keyboard to the bar's first control after Previous: Play. */
  focus(): void {
    this.playButton.focus();
  }
  get playing(): boolean {
    return this.timer !== undefined;
  }

  /** Starts (or updates) the replay over messages written at `times` (ms), at step `pos`. */
  open(times: number[], pos: number): void {
    this.element.hidden = false;
    this.setTimes(times);
    this.go(pos);
  }

  setTimes(times: number[]): void {
    this.times = times;
    this.gaps = [];
    this.xs = [];
    let x = 0;
    for (let i = 0; i < times.length; i++) {
      const dt = i === 0 ? 0 : Math.max(0, times[i]! - times[i - 1]!);
      if (dt > GAP_MS) this.gaps.push({ at: i, ms: dt });
      x += i === 0 ? 0 : Math.min(dt, GAP_MS) + 1000; // +1s: every message gets room, even in a burst
      this.xs.push(x);
    }
    const longest = this.gaps.reduce((m, g) => Math.max(m, g.ms), 0);
    this.gapLabel.textContent = this.gaps.length
      ? `${this.gaps.length} gap${this.gaps.length === 1 ? '' : 's'} (longest ${formatDuration(longest)})`
      : '';
    this.gapLabel.title = this.gapLabel.textContent;
    this.track.setAttribute('aria-valuemax', String(times.length));
    this.draw();
  }

  close(): void {
    this.pause();
    this.element.hidden = true;
  }

  go(pos: number): void {
    if (!this.times.length) return;
    this.pos = Math.max(0, Math.min(this.times.length - 1, pos));
    if (this.pos === this.times.length - 1) this.pause();
    this.label.textContent = `${this.pos + 1} / ${this.times.length}`;
    const t = this.times[this.pos]!;
    this.timeLabel.textContent = Number.isNaN(t) ? '' : formatTime(new Date(t).toISOString());
    this.timeLabel.title = this.timeLabel.textContent; // cut in a narrow bar
    this.track.setAttribute('aria-valuenow', String(this.pos + 1));
    this.track.setAttribute('aria-valuetext', `${this.pos + 1} of ${this.times.length}, ${this.timeLabel.textContent}`);
    this.draw();
    this.events.show(this.pos);
  }

  togglePlay(): void {
    if (this.timer) return this.pause();
    if (this.pos >= this.times.length - 1) this.go(0);
    this.playButton.replaceChildren(h('span', { class: 'codicon codicon-debug-pause', 'aria-hidden': 'true' }));
    this.playButton.setAttribute('aria-pressed', 'true');
    this.playButton.title = 'Pause (Space)';
    this.schedule();
  }

  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.playButton.replaceChildren(h('span', { class: 'codicon codicon-play', 'aria-hidden': 'true' }));
    this.playButton.setAttribute('aria-pressed', 'false');
    this.playButton.title = 'Play (Space)';
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.go(this.pos + 1);
      if (this.timer) this.schedule();
    }, BASE_STEP_MS / this.speed);
  }

  private xAt(i: number, width: number): number {
    const last = this.xs[this.xs.length - 1] || 1;
    return 6 + ((this.xs[i] ?? 0) / last) * (width - 12);
  }

  private nearest(px: number): number {
    const width = this.track.clientWidth;
    let best = 0;
    for (let i = 0; i < this.xs.length; i++)
      if (Math.abs(this.xAt(i, width) - px) < Math.abs(this.xAt(best, width) - px)) best = i;
    return best;
  }

  private describeAt(px: number): string {
    const width = this.track.clientWidth;
    const gap = this.gaps.find((g) => Math.abs(this.xAt(g.at, width) - px) < 4);
    if (gap) return `Gap of ${formatDuration(gap.ms)}`;
    const i = this.nearest(px);
    const t = this.times[i];
    return t === undefined ? '' : `#${i + 1} ${formatTime(new Date(t).toISOString())}`;
  }

  private draw(): void {
    if (this.element.hidden) return;
    const width = this.track.clientWidth;
    const height = this.track.clientHeight;
    if (!width || !height) return;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.scale(ratio, ratio);
    const css = getComputedStyle(this.track);
    const color = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    const mid = height / 2;
    ctx.fillStyle = color('--lss-timeline-track', '#8884');
    ctx.fillRect(6, mid - 1, width - 12, 2);
    ctx.fillStyle = color('--lss-timeline-tick', '#888');
    for (let i = 0; i < this.xs.length; i++) ctx.fillRect(Math.round(this.xAt(i, width)), mid - 4, 1, 8);
    ctx.fillStyle = color('--lss-timeline-gap', '#c90');
    for (const g of this.gaps) {
      const x = this.xAt(g.at, width) - (this.xAt(g.at, width) - this.xAt(g.at - 1, width)) / 2;
      ctx.fillRect(Math.round(x) - 1, 2, 2, height - 4);
    }
    ctx.fillStyle = color('--lss-timeline-current', '#0078d4');
    ctx.beginPath();
    ctx.arc(this.xAt(this.pos, width), mid, 5, 0, Math.PI * 2);
    ctx.fill();
  }
}
