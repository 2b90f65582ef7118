/**
 * An account's port behind its circuit breaker, on the real paper port with injected 5xx failures: ten in
 * a row open it (one critical alert to each instance on the account), calls then fail at once without
 * reaching the venue, a probe after the cooldown closes it (one resolution alert).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { breakerAlerts, withBreaker } from '../../shared/composition/breaker-exchange.js';
import { parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import { ExchangeError } from '../../shared/ports/exchange.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

const SYMBOL = 'DOGE/USDC:USDC';
let app: PaperApp | null = null;
afterEach(async () => {
  if (app) app.port.beforeRead = null;
  await app?.stop();
  app = null;
});

/** Every read of the app's first port fails with a 503 while `storm` is on; `reached` counts the reads. */
function stormy(a: PaperApp): { storm: boolean; reached: number } {
  const venue = { storm: true, reached: 0 };
  a.port.beforeRead = () => {
    venue.reached += 1;
    if (venue.storm) throw new ExchangeError('retryable', 'HTTP 503 Service Unavailable', { code: '503' });
  };
  return venue;
}

describe('the circuit breaker around an account', () => {
  it('opens after ten 5xx in a row, refuses without calling the venue, probes after a minute and closes', async () => {
    app = await paperApp();
    const venue = stormy(app);
    const deployment = parseDeploymentConfig({
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [klgConfigInput()],
    });
    const changes: string[] = [];
    const alert = breakerAlerts(deployment, app.ctx.notifier, app.ctx.logger, app.ctx.metrics);
    const port = withBreaker(app.port, app.clock, (account, to, detail) => {
      changes.push(to);
      alert(account, to, detail);
    });

    for (let i = 0; i < 10; i++) await expect(port.openOrders(SYMBOL)).rejects.toThrow(/503/);
    expect(port.breaker().status).toBe('open');
    expect(venue.reached).toBe(10);
    // Open: refused at once, the venue is not called.
    await expect(port.openOrders(SYMBOL)).rejects.toMatchObject({ kind: 'retryable', code: 'circuit_open' });
    await expect(port.tradesSince(SYMBOL, null)).rejects.toMatchObject({ code: 'circuit_open' });
    expect(venue.reached).toBe(10);
    expect(app.alerts.filter((a) => a.code === 'account_circuit_open')).toHaveLength(1);
    expect(app.alerts[0]).toMatchObject({ instanceId: 'dogeklg', severity: 'critical' });

    // After the cooldown one probe goes through; the storm still rages: open again, no second alert.
    await app.clock.advanceBy(60_000);
    await expect(port.openOrders(SYMBOL)).rejects.toThrow(/503/);
    expect(venue.reached).toBe(11);
    expect(port.breaker().status).toBe('open');
    expect(app.alerts.filter((a) => a.code === 'account_circuit_open')).toHaveLength(1);

    // The venue recovers: the next probe succeeds and closes the breaker.
    venue.storm = false;
    await app.clock.advanceBy(60_000);
    expect(await port.openOrders(SYMBOL)).toEqual([]);
    expect(port.breaker()).toEqual({ status: 'closed', failures: 0 });
    expect(changes).toEqual(['open', 'half_open', 'open', 'half_open', 'closed']);
    expect(app.alerts.map((a) => a.code)).toEqual(['account_circuit_open', 'account_circuit_open_resolved']);
    // A refusal of an order is an answer, not a failure: it never counts.
    const refused = await port.submit({
      type: 'limit',
      account: 'main',
      symbol: SYMBOL,
      clientOrderId: 'gbdogeklgL0B1',
      side: 'buy',
      positionSide: 'LONG',
      price: (await port.fetchPrice(SYMBOL)).last.times(2),
      qty: dec('100'),
      timeInForce: 'GTX',
    });
    expect(refused.ok).toBe(false);
    expect(port.breaker().failures).toBe(0);
  });

  it('lets calls made while the probe is out wait for its verdict, so the first pass after a storm runs whole', async () => {
    app = await paperApp();
    const venue = stormy(app);
    const port = withBreaker(app.port, app.clock, () => undefined, { threshold: 2, cooldownMs: 5_000 });
    for (let i = 0; i < 2; i++) await expect(port.openOrders(SYMBOL)).rejects.toThrow(/503/);
    expect(port.breaker().status).toBe('open');
    await app.clock.advanceBy(5_000);
    // Still stormy: the probe fails, and the calls that waited for it fail with it, without reaching the venue.
    const failing = await Promise.allSettled([
      port.openOrders(SYMBOL),
      port.openOrders(SYMBOL),
      port.openOrders(SYMBOL),
    ]);
    expect(failing.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(venue.reached).toBe(3);
    venue.storm = false;
    await app.clock.advanceBy(5_000);
    // A recon pass's parallel reads: one probes, the others wait, then all go through.
    const reads = await Promise.all([
      port.openOrders(SYMBOL),
      port.openOrders(SYMBOL),
      port.openOrders(SYMBOL),
    ]);
    expect(reads).toEqual([[], [], []]);
    expect(port.breaker().status).toBe('closed');
    expect(venue.reached).toBe(6);
  });
});
