/**
 * One bad account never stops the event track for the others: an account whose credentials cannot be
 * loaded is isolated (critical alert, `failed` in the health details, retried with backoff) while the
 * other accounts' fills are answered; once its secret is fixed it connects and resyncs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PaperExchangePort } from '../../shared/adapters/paper/paper-exchange-port.js';
import { loadConfig } from '../../shared/application/instance.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { StreamWorker } from '../../shared/application/stream-worker.js';
import { DeferredExchangePort } from '../../shared/composition/deferred-exchange.js';
import { parseKlgConfig } from '../../shared/domain/strategies/klg/config.js';
import type { ExchangePort } from '../../shared/ports/exchange.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

let app: PaperApp;
let worker: StreamWorker | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
  await app?.stop();
});

describe('stream worker with a bad account among good ones', () => {
  it('starts what can start, isolates and alerts the bad account, and connects it once its secret is fixed', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    app.ex.createAccount({ id: 'bad', balances: { USDC: '1000' }, dualSidePosition: true });
    let secretFixed = false;
    const bad = new DeferredExchangePort(
      'bad',
      'paper',
      true,
      async () => {
        if (!secretFixed) throw new Error('secret gridbot/bad still holds its placeholder value');
        return new PaperExchangePort(app.ex, 'bad');
      },
      app.clock,
      new Error('secret gridbot/bad still holds its placeholder value'),
    );
    const ctx = {
      ...app.ctx,
      exchanges: (id: string): ExchangePort => (id === 'bad' ? bad : app.port),
    };
    const badInstance = parseKlgConfig(klgConfigInput({ id: 'badklg', account: 'bad' }));
    worker = new StreamWorker(ctx, {
      instances: [await loadConfig(app.ctx, 'dogeklg'), badInstance],
      writer: 'test-task',
    });
    await worker.start(); // does not throw

    const health = worker.health();
    expect(health.ok).toBe(true);
    expect(health.accounts.main?.status).toBe('connected');
    expect(health.accounts.bad).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/placeholder/),
    });
    expect(app.alerts).toContainEqual(
      expect.objectContaining({ instanceId: 'badklg', severity: 'critical', code: 'account_unavailable' }),
    );

    // The good account trades on.
    await app.feed('0.185 0.185 0.1795 0.181');
    await worker.drain();
    expect(worker.stats.fills).toBe(1);

    // Retries back off; once the secret is fixed, the next attempt (after the stand-in's 30 s) connects.
    secretFixed = true;
    await app.clock.advanceBy(70_000);
    await worker.drain();
    expect(worker.health().accounts.bad?.status).toBe('connected');
    expect(app.alerts.filter((a) => a.code === 'account_unavailable')).toHaveLength(1);
    expect(app.alerts).toContainEqual(expect.objectContaining({ code: 'account_unavailable_resolved' }));
  });
});
