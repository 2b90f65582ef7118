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
    expect(draws.at(-1)).toBe(`sim ${'█'.repeat(30)} 100%  2025-01-06 01:40  100/100\n`);
  });

  it('writes a plain line per tenth when the output is not a terminal', () => {
    const lines: string[] = [];
    const report = progressBar({ isTTY: false, write: (t) => void lines.push(t), now: () => 0 }, 'sim');
    for (let i = 1; i <= 1000; i++) report(i, 1000, T);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('sim: 10% (100/1000 steps, at 2025-01-06 00:00)\n');
    expect(lines[9]).toBe('sim: 100% (1000/1000 steps, at 2025-01-06 00:00)\n');
  });
});
