/**
 * Carrying out a decision's commands: protection is never held back by an earlier failure in the batch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { carryOut } from '../../shared/application/execute.js';
import type { Command } from '../../shared/domain/commands.js';
import { dec } from '../../shared/domain/money.js';
import { ExchangeError, type ExchangePort } from '../../shared/ports/exchange.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { loadKlg } from '../support/strategies/klg/state.js';

let app: PaperApp;
afterEach(async () => app?.stop());

const SYMBOL = 'DOGE/USDC:USDC';
const buy = (id: string): Command => ({
  kind: 'PlaceOrder',
  instanceId: 'dogeklg',
  level: 0,
  reason: 't',
  request: {
    type: 'limit',
    account: 'main',
    symbol: SYMBOL,
    clientOrderId: id,
    side: 'buy',
    positionSide: 'LONG',
    price: dec('0.15'),
    qty: dec('100'),
    timeInForce: 'GTC',
  },
});
const stop: Command = {
  kind: 'PlaceStop',
  instanceId: 'dogeklg',
  reason: 't',
  request: {
    type: 'stop_market',
    account: 'main',
    symbol: SYMBOL,
    clientOrderId: 'gbdogeklgT1',
    side: 'sell',
    positionSide: 'LONG',
    triggerPrice: dec('0.14'),
    workingType: 'MARK_PRICE',
    closePosition: true,
  },
};

/** The paper port, but the first limit order fails the way `kind` says. */
function failingFirst(port: ExchangePort, kind: 'fatal' | 'rate_limited'): ExchangePort {
  let failed = false;
  const p: ExchangePort = Object.create(port);
  p.submit = async (req) => {
    if (req.type === 'limit' && !failed) {
      failed = true;
      throw new ExchangeError(kind, `injected ${kind}`, { code: '-9' });
    }
    return port.submit(req);
  };
  return p;
}

describe('carrying out a batch', () => {
  for (const kind of ['fatal', 'rate_limited'] as const) {
    it(`when an earlier command fails ${kind}, then grid orders after it wait but the stop still goes out`, async () => {
      app = await paperApp();
      const summary = await carryOut(app.ctx, () => failingFirst(app.port, kind), [
        buy('gbdogeklgL0B1'),
        buy('gbdogeklgL0B2'),
        stop,
      ]);
      const outcomes = summary.executed.map((x) => x.outcome.kind);
      expect(outcomes).toEqual(['rejected', 'rejected', 'placed']);
      const open = await app.port.openOrders(SYMBOL);
      expect(open.map((o) => o.clientOrderId)).toEqual(['gbdogeklgT1']);
    });
  }
});

describe('settling a protective close', () => {
  it('when the venue refuses a close as larger than the position, then what the exchange holds is closed', async () => {
    app = await paperApp();
    const { reconcileInstance } = await import('../../shared/application/reconcile-instance.js');
    const { settleOutcomes } = await import('../../shared/application/execute.js');
    const { loadConfig } = await import('../../shared/application/instance.js');
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1695 0.171'); // buys at 0.18 and 0.17 fill
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    const config = await loadConfig(app.ctx, 'dogeklg');
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('200');
    // 100 coins are sold by hand: the exchange now holds less than the ledger knows.
    await app.port.submit({
      type: 'market',
      account: 'main',
      symbol: SYMBOL,
      clientOrderId: 'web_manual_1',
      side: 'sell',
      positionSide: 'LONG',
      qty: dec('100'),
    });
    const stored = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    await app.ctx.store.saveGrid(
      {
        ...stored,
        flatten: { clientOrderId: 'gbdogeklgXz1', qty: dec('200'), since: app.clock.now(), uncertain: false },
      },
      stored.version,
    );
    const refusedClose = {
      command: {
        kind: 'ClosePosition' as const,
        instanceId: 'dogeklg',
        reason: 't',
        request: {
          type: 'market' as const,
          account: 'main',
          symbol: SYMBOL,
          clientOrderId: 'gbdogeklgXz1',
          side: 'sell' as const,
          positionSide: 'LONG' as const,
          qty: dec('200'),
        },
      },
      outcome: {
        kind: 'rejected' as const,
        reason: 'reduce_only_rejected' as const,
        code: '-2022',
        message: 'ReduceOnly Order is rejected.',
      },
      sentAt: app.clock.now(),
    };
    const settled = await settleOutcomes(app.ctx, config, [refusedClose], () => app.port);
    const close = settled.followUps.find((x) => x.command.kind === 'ClosePosition');
    expect(close?.command.kind === 'ClosePosition' && close.command.request.qty.toFixed()).toBe('100');
    expect(close?.outcome.kind).toBe('placed');
    expect((await app.port.position(SYMBOL, 'LONG')).qty.toFixed()).toBe('0');
  });
});
