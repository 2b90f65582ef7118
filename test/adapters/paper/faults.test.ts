import { describe, expect, it } from 'vitest';
import { binanceErrors, PaperApiError } from '../../../shared/adapters/paper/errors.js';
import type { AccountEvent } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { feed, T0, withAccount } from '../../support/paper.js';

const d = dec;
const S = 'DOGEUSDC';

async function ready() {
  const built = withAccount();
  await feed(built.ex, built.clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
  return built;
}

const buy = (id: string) => ({
  symbol: S,
  side: 'BUY' as const,
  type: 'LIMIT' as const,
  price: d('0.19'),
  quantity: d('100'),
  timeInForce: 'GTC' as const,
  newClientOrderId: id,
});

describe('fault injection', () => {
  it('rejects the next N matching calls with the given error, doing nothing, then recovers', async () => {
    const { ex } = await ready();
    ex.faults.rejectNext({ count: 2, error: binanceErrors.internal(), operations: ['placeOrder'] });
    for (const id of ['x1', 'x2']) {
      const err = (() => {
        try {
          ex.placeOrder('a', buy(id));
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(PaperApiError);
      expect((err as PaperApiError).httpStatus).toBe(503);
    }
    expect(ex.openOrders('a')).toHaveLength(0);
    expect(ex.placeOrder('a', buy('x3')).status).toBe('NEW');
  });

  it('limits rejections to the account and operations named', async () => {
    const { ex } = await ready();
    ex.createAccount({ id: 'b', balances: { USDC: '1000' } });
    ex.faults.rejectNext({
      count: 1,
      error: binanceErrors.internal(),
      accountId: 'b',
      operations: ['cancelOrder'],
    });
    expect(ex.placeOrder('b', buy('b1')).status).toBe('NEW');
    expect(ex.cancelOrder('a', S, { orderId: ex.placeOrder('a', buy('a1')).orderId }).status).toBe(
      'CANCELED',
    );
    expect(() => ex.cancelOrder('b', S, { clientOrderId: 'b1' })).toThrow(PaperApiError);
    expect(ex.cancelOrder('b', S, { clientOrderId: 'b1' }).status).toBe('CANCELED');
  });

  it('hands async fronts a call delay to wait on the engine clock', () => {
    const { ex } = withAccount();
    ex.faults.delayNextCalls({ count: 1, ms: 1500, operations: ['placeOrder'] });
    expect(ex.faults.takeCallDelay('a', 'query')).toBe(0);
    expect(ex.faults.takeCallDelay('a', 'placeOrder')).toBe(1500);
    expect(ex.faults.takeCallDelay('a', 'placeOrder')).toBe(0);
  });

  it('drops stream events but keeps them in the log', async () => {
    const { ex } = await ready();
    const got: number[] = [];
    ex.subscribeAccount('a', { onEvent: (e) => got.push(e.seq) });
    ex.faults.dropNextEvents('a', 1);
    ex.placeOrder('a', buy('o1'));
    ex.placeOrder('a', buy('o2'));
    expect(got).toEqual([2]);
    expect(ex.events('a').map((e) => e.seq)).toEqual([1, 2]);
  });

  it('duplicates stream events', async () => {
    const { ex } = await ready();
    const got: number[] = [];
    ex.subscribeAccount('a', { onEvent: (e) => got.push(e.seq) });
    ex.faults.duplicateNextEvents('a', 1);
    ex.placeOrder('a', buy('o1'));
    expect(got).toEqual([1, 1]);
  });

  it('delays stream events until the clock passes the delay', async () => {
    const { ex, clock } = await ready();
    const got: number[] = [];
    ex.subscribeAccount('a', { onEvent: (e) => got.push(e.seq) });
    ex.faults.delayNextEvents('a', 1, 5_000);
    ex.placeOrder('a', buy('o1'));
    ex.placeOrder('a', buy('o2'));
    expect(got).toEqual([2]);
    await clock.advanceBy(5_000);
    expect(got).toEqual([2, 1]);
  });

  it('tells subscribers the stream is down, loses events meanwhile, and tells them when it is back', async () => {
    const { ex } = await ready();
    const log: string[] = [];
    ex.subscribeAccount('a', {
      onEvent: (e: AccountEvent) => log.push(`event ${e.seq}`),
      onDisconnect: (reason) => log.push(`down: ${reason}`),
      onReconnect: () => log.push('up'),
    });
    ex.faults.disconnectStream('a', 'test');
    ex.placeOrder('a', buy('o1'));
    ex.faults.reconnectStream('a');
    ex.placeOrder('a', buy('o2'));
    expect(log).toEqual(['down: test', 'up', 'event 2']);
    expect(ex.openOrders('a').map((o) => o.clientOrderId)).toEqual(['o1', 'o2']);
  });

  it('keeps the engine running when a subscriber throws', async () => {
    const { ex } = await ready();
    ex.subscribeAccount('a', {
      onEvent: () => {
        throw new Error('boom');
      },
    });
    expect(ex.placeOrder('a', buy('o1')).status).toBe('NEW');
    expect(ex.listenerErrors()).toHaveLength(1);
  });
});
