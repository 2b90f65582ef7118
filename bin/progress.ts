/**
 * Progress of a long CLI job: a bar redrawn in place on a terminal (at most ten times a second), plain
 * lines at every tenth when the output is a file or a pipe (CI logs stay readable).
 */
export interface ProgressIo {
  readonly isTTY: boolean;
  write(text: string): void;
  /** Wall-clock ms, only to pace redraws. */
  now(): number;
}

const WIDTH = 30;

const when = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

export function progressBar(
  io: ProgressIo,
  label: string,
): (done: number, total: number, at: number) => void {
  let lastDraw = 0;
  let lastTenth = 0;
  return (done, total, at) => {
    const share = total === 0 ? 1 : done / total;
    if (io.isTTY) {
      const now = io.now();
      if (done < total && now - lastDraw < 100) return;
      lastDraw = now;
      const filled = Math.round(share * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      io.write(`\r${label} ${bar} ${(share * 100).toFixed(0).padStart(3)}%  ${when(at)}  ${done}/${total}`);
      if (done >= total) io.write('\n');
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth > lastTenth || done === total) {
      lastTenth = tenth;
      io.write(`${label}: ${(share * 100).toFixed(0)}% (${done}/${total} steps, at ${when(at)})\n`);
    }
  };
}
