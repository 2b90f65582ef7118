import { describe, expect, it } from 'vitest';
import { JobSchedule } from '../../shared/application/sim/schedule.js';
import { klgConfig } from '../support/strategies/klg/config.js';

const T = Date.UTC(2025, 0, 6, 12, 0, 30);

describe('the simulator scheduler', () => {
  it('fires every job at the start, levels first, then the grid, then risk', () => {
    const s = new JobSchedule([klgConfig({ id: 'a' }), klgConfig({ id: 'b' })], T);
    expect(s.nextAt()).toBe(T);
    expect(s.take(T).map((j) => `${j.job}:${j.instanceId}`)).toEqual([
      'recompute:a',
      'recompute:b',
      'recon:a',
      'recon:b',
      'risk:a',
      'risk:b',
    ]);
  });

  it('then fires on whole multiples of each interval, as a rate() schedule does', () => {
    const s = new JobSchedule([klgConfig({ recon_interval_sec: 120, risk_interval_sec: 300 })], T);
    s.take(T);
    const next = Date.UTC(2025, 0, 6, 12, 2);
    expect(s.nextAt()).toBe(next);
    expect(s.take(next).map((j) => j.job)).toEqual(['recon']);
    expect(s.nextAt()).toBe(Date.UTC(2025, 0, 6, 12, 4));
    expect(s.take(Date.UTC(2025, 0, 6, 12, 4)).map((j) => j.job)).toEqual(['recon']);
    expect(s.take(Date.UTC(2025, 0, 6, 12, 5)).map((j) => j.job)).toEqual(['risk']);
  });

  it('gives a 30-second recon a second pass 30 s after each minute, carrying that minute', () => {
    const s = new JobSchedule([klgConfig({ recon_interval_sec: 30 })], T);
    s.take(T);
    const minute = Date.UTC(2025, 0, 6, 12, 1);
    const fired = (at: number) =>
      s.take(at).map((j) => `${j.job}#${j.pass}@${new Date(j.scheduledAt).toISOString()}`);
    // The start's own second pass is due at its half minute, which here is the next whole minute.
    expect(s.nextAt()).toBe(minute);
    expect(fired(minute)).toEqual(['recon#1@2025-01-06T12:01:00.000Z', 'recon#2@2025-01-06T12:00:30.000Z']);
    expect(s.nextAt()).toBe(minute + 30_000);
    expect(fired(minute + 30_000)).toEqual(['recon#2@2025-01-06T12:01:00.000Z']);
    expect(s.nextAt()).toBe(minute + 60_000);
  });

  it('never schedules a disabled instance', () => {
    const s = new JobSchedule([klgConfig({ enabled: false })], T);
    expect(s.nextAt()).toBe(Number.POSITIVE_INFINITY);
    expect(s.take(T)).toEqual([]);
  });
});
