import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/application/instance.js';
import { runBot } from '../../shared/application/run-bot.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { asKlgConfig } from '../support/strategies/klg/state.js';

let app: PaperApp;
afterEach(async () => app?.stop());

/** Lets background work (jobs the bot fired, the worker's queue) run until `check` holds. */
async function eventually<T>(check: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const v = await check();
    if (ok(v)) return v;
    await new Promise((r) => setImmediate(r));
  }
  return check();
}
const openOf = async (a: PaperApp, side: 'buy' | 'sell') =>
  (await a.port.openOrders('DOGE/USDC:USDC'))
    .filter((o) => o.kind === 'limit' && o.side === side)
    .map((o) => o.price!.toFixed());

describe('runBot (the whole runtime in one process)', () => {
  it('fires the scheduled jobs on the clock, answers fills, and stops cleanly', async () => {
    app = await paperApp();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const config = await loadConfig(app.ctx, 'dogeklg');
    const done = runBot(app.ctx, { instances: [config], writer: 'laptop', stop: stopped });
    await app.feed('0.185 0.185 0.185 0.185'); // the first recon lays the grid out
    expect(
      await eventually(
        () => openOf(app, 'buy'),
        (b) => b.length === 4,
      ),
    ).toHaveLength(4);
    await app.feed('0.185 0.185 0.1795 0.181', '0.181 0.182 0.18 0.182');
    expect(
      await eventually(
        () => openOf(app, 'sell'),
        (x) => x.length === 1,
      ),
    ).toEqual(['0.19']);
    stop();
    const result = await done;
    expect(result.jobs).toBeGreaterThanOrEqual(3);
    expect((await app.ctx.store.getHeartbeat('main'))?.status).toBe('draining');
  });

  it('stops at once when told to, leaving no timer of its own on the clock', async () => {
    app = await paperApp();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    let started = false;
    const config = await loadConfig(app.ctx, 'dogeklg');
    const done = runBot(app.ctx, {
      instances: [config],
      writer: 'laptop',
      stop: stopped,
      started: () => {
        started = true;
      },
    });
    await eventually(
      async () => started,
      (s) => s,
    );
    expect(app.clock.pendingTimers()).toBeGreaterThan(0); // the next job and the next heartbeat
    stop();
    await done;
    expect(app.clock.pendingTimers()).toBe(0);
    expect((await app.ctx.store.getHeartbeat('main'))?.status).toBe('draining');
  });

  it('rejects when the stream worker cannot start, without saying it started', async () => {
    app = await paperApp();
    const config = await loadConfig(app.ctx, 'dogeklg');
    let started = false;
    await expect(
      runBot(app.ctx, {
        instances: [{ ...asKlgConfig(config), account: 'elsewhere' }],
        writer: 'laptop',
        stop: new Promise<void>(() => {}),
        started: () => {
          started = true;
        },
      }),
    ).rejects.toThrow('no account elsewhere');
    expect(started).toBe(false);
    expect(app.clock.pendingTimers()).toBe(0);
  });
});
