/**
 * Progress of a long CLI job: a bar redrawn in place on a terminal (at most ten times a second), plain
 * lines at every tenth when the output is a file or a pipe (CI logs stay readable). Each shows the time
 * elapsed, the steps (candles or ticks) a second and the time left at that pace.
 */
export interface ProgressIo {
  readonly isTTY: boolean;
  write(text: string): void;
  /** Wall-clock ms, only to pace redraws. */
  now(): number;
}

const WIDTH = 30;

const when = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** A duration as `42s`, `3m05s` or `1h02m`. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Elapsed, steps a second and time left, from the wall clock since the first report. Slow units (under
 * one a second: sweep combinations) read as seconds each instead.
 */
function pace(elapsedMs: number, done: number, total: number, unit: string): string {
  if (elapsedMs <= 0 || done === 0) return `${span(elapsedMs)} elapsed`;
  const rate = done / (elapsedMs / 1000);
  const left = done >= total ? '' : `, ETA ${span(((total - done) / rate) * 1000)}`;
  const speed =
    rate >= 1 || unit === 'steps'
      ? `${Math.round(rate).toLocaleString('en-US')} ${unit}/s`
      : `${span(1000 / rate)} per ${unit.replace(/s$/, '')}`;
  return `${span(elapsedMs)} elapsed, ${speed}${left}`;
}

/** `unit`: what `done` counts (default `steps`: candles or ticks). */
export function progressBar(
  io: ProgressIo,
  label: string,
  unit = 'steps',
): (done: number, total: number, at: number) => void {
  let lastDraw = 0;
  let lastTenth = 0;
  let started: number | undefined;
  return (done, total, at) => {
    const now = io.now();
    started ??= now;
    const share = total === 0 ? 1 : done / total;
    if (io.isTTY) {
      if (done < total && now - lastDraw < 100) return;
      lastDraw = now;
      const filled = Math.round(share * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      io.write(
        `\r${label} ${bar} ${(share * 100).toFixed(0).padStart(3)}%  ${when(at)}  ${done}/${total}  ${pace(now - started, done, total, unit)}\x1b[K`,
      );
      if (done >= total) io.write('\n');
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth > lastTenth || done === total) {
      lastTenth = tenth;
      io.write(
        `${label}: ${(share * 100).toFixed(0)}% (${done}/${total} ${unit}, at ${when(at)}; ${pace(now - started, done, total, unit)})\n`,
      );
    }
  };
}
