import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../../shared/adapters/clock/system-clock.js';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';

describe('virtual clock', () => {
  it('stands still until advanced', () => {
    const c = new VirtualClock(1_000);
    expect(c.now()).toBe(1_000);
    expect(c.now()).toBe(1_000);
  });

  it('resolves sleeps in time order when time advances past them', async () => {
    const c = new VirtualClock(0);
    const fired: string[] = [];
    void c.sleep(300).then(() => fired.push(`c@${c.now()}`));
    void c.sleep(100).then(() => fired.push(`a@${c.now()}`));
    void c.sleep(200).then(() => fired.push(`b@${c.now()}`));
    await c.advanceTo(250);
    expect(fired).toEqual(['a@100', 'b@200']);
    expect(c.now()).toBe(250);
    await c.advanceBy(50);
    expect(fired).toEqual(['a@100', 'b@200', 'c@300']);
  });

  it('fires timers due at the same time in the order they were scheduled', async () => {
    const c = new VirtualClock(0);
    const fired: number[] = [];
    for (const i of [1, 2, 3]) c.schedule(50, () => fired.push(i));
    await c.advanceTo(50);
    expect(fired).toEqual([1, 2, 3]);
  });

  it('fires work scheduled by a continuation inside the same advance', async () => {
    const c = new VirtualClock(0);
    const fired: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await c.sleep(10);
        fired.push(c.now());
      }
    };
    void loop();
    await c.advanceTo(100);
    expect(fired).toEqual([10, 20, 30]);
  });

  it('cancels a scheduled timer', async () => {
    const c = new VirtualClock(0);
    let fired = false;
    const h = c.schedule(10, () => {
      fired = true;
    });
    expect(c.cancel(h)).toBe(true);
    await c.advanceTo(20);
    expect(fired).toBe(false);
    expect(c.pendingTimers()).toBe(0);
    expect(c.fired).toBe(0);
  });

  it('counts the timers it fires, by advancing or one at a time', async () => {
    const c = new VirtualClock(0);
    for (const at of [10, 20, 30]) c.schedule(at, () => undefined);
    await c.advanceTo(15);
    expect(c.fired).toBe(1);
    expect(c.fireNext(25)).toBe(true);
    expect(c.fireNext(25)).toBe(false);
    expect(c.fired).toBe(2);
  });

  it('never goes backwards', async () => {
    const c = new VirtualClock(100);
    await expect(c.advanceTo(50)).rejects.toThrow(/cannot go back/);
    expect(() => c.setTime(50)).toThrow(/cannot go back/);
  });

  it('refuses to skip a due timer with setTime', () => {
    const c = new VirtualClock(0);
    c.schedule(10, () => {});
    expect(() => c.setTime(20)).toThrow(/skip a timer/);
    c.setTime(5);
    expect(c.now()).toBe(5);
    expect(c.nextTimerAt()).toBe(10);
  });

  it('runs every pending timer with runUntilIdle', async () => {
    const c = new VirtualClock(0);
    const fired: number[] = [];
    c.schedule(1_000, () => fired.push(1));
    c.schedule(5_000, () => fired.push(2));
    await c.runUntilIdle();
    expect(fired).toEqual([1, 2]);
    expect(c.now()).toBe(5_000);
  });

  it('ends a sleep when its signal aborts, and drops its timer', async () => {
    const c = new VirtualClock(0);
    const stop = new AbortController();
    let woke = -1;
    void c.sleep(1_000, stop.signal).then(() => {
      woke = c.now();
    });
    await c.advanceTo(10);
    stop.abort();
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(10);
    expect(c.pendingTimers()).toBe(0);
    await expect(c.sleep(1_000, stop.signal)).resolves.toBeUndefined();
    expect(c.pendingTimers()).toBe(0);
  });

  it('gives the same firing order on every run', async () => {
    const run = async (): Promise<string[]> => {
      const c = new VirtualClock(0);
      const log: string[] = [];
      for (const [name, at] of [
        ['x', 30],
        ['y', 10],
        ['z', 30],
        ['w', 20],
      ] as const)
        c.schedule(at, () => log.push(name));
      await c.runUntilIdle();
      return log;
    };
    expect(await run()).toEqual(['y', 'w', 'x', 'z']);
    expect(await run()).toEqual(await run());
  });
});

describe('system clock', () => {
  it('reads wall time and sleeps for real', async () => {
    const c = new SystemClock();
    const before = c.now();
    await c.sleep(5);
    expect(c.now()).toBeGreaterThanOrEqual(before);
  });

  it('ends a sleep at once when its signal aborts, leaving no timer behind', async () => {
    const c = new SystemClock();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const stop = new AbortController();
    const started = Date.now();
    const slept = c.sleep(60_000, stop.signal);
    expect(timers()).toBe(before + 1);
    stop.abort();
    await slept;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(timers()).toBe(before);
  });
});
