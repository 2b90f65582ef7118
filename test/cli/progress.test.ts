import { describe, expect, it } from 'vitest';
import { progressBar } from '../../bin/progress.js';

const T = Date.UTC(2025, 0, 6);

describe('the progress bar', () => {
  it('redraws one line in place on a terminal, at most ten times a second, and ends it', () => {
    const parts: string[] = [];
    let now = 0;
    const report = progressBar({ isTTY: true, write: (t) => void parts.push(t), now: () => now }, 'sim');
    for (let i = 1; i <= 100; i++) {
      now += 20;
      report(i, 100, T + i * 60_000);
    }
    const draws = parts
      .join('')
      .split('\r')
      .filter((s) => s !== '');
    expect(draws.length).toBeGreaterThan(10);
    expect(draws.length).toBeLessThan(30);
    // The first report (at 20 ms) starts the clock: 100 steps in 1.98 s, 51 a second, nothing left.
    expect(draws.at(-1)).toBe(
      `sim ${'█'.repeat(30)} 100%  2025-01-06 01:40  100/100  2s elapsed, 51 steps/s\x1b[K\n`,
    );
    // Half way: 0.98 s in, as long again to go.
    expect(draws.find((d) => d.includes(' 50/100'))).toContain('1s elapsed, 51 steps/s, ETA 1s');
  });

  it('writes a plain line per tenth when the output is not a terminal', () => {
    const lines: string[] = [];
    let now = 0;
    const report = progressBar({ isTTY: false, write: (t) => void lines.push(t), now: () => now }, 'sim');
    for (let i = 1; i <= 1000; i++) {
      report(i, 1000, T);
      now += 200;
    }
    expect(lines).toHaveLength(10);
    // The first report starts the clock: the 100th comes 19.8 s later (5.05 steps a second), 900 steps to go.
    expect(lines[0]).toBe(
      'sim: 10% (100/1000 steps, at 2025-01-06 00:00; 20s elapsed, 5 steps/s, ETA 2m58s)\n',
    );
    expect(lines[9]).toBe('sim: 100% (1000/1000 steps, at 2025-01-06 00:00; 3m20s elapsed, 5 steps/s)\n');
  });
});
