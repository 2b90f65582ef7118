import { describe, expect, it } from 'vitest';
import type { OrderCommand } from '../../../../../shared/domain/commands.js';
import { dec } from '../../../../../shared/domain/money.js';
import {
  applyOutcome,
  cancelled,
  onFill,
  placed,
  planRecon,
  rejected,
  timedOut,
} from '../../../../../shared/domain/strategies/klg/index.js';
import { KlgBot } from '../../../../support/strategies/klg/bot.js';
import { klgConfig } from '../../../../support/strategies/klg/config.js';

function decided() {
  const bot = KlgBot.doge('0.185');
  const d = planRecon(bot.state, bot.venue.snapshot(bot.state), bot.config, bot.venue.time);
  const place = d.commands.find((c): c is OrderCommand => c.kind === 'PlaceOrder')!;
  const id = place.kind === 'PlaceOrder' ? place.request.clientOrderId : '';
  return { bot, state: d.state, place, id };
}

describe('command outcomes', () => {
  it('turns an acknowledged order ACTIVE with its exchange id', () => {
    const { state, id } = decided();
    const s = placed(state, id, '123', 5);
    const level = s.levels.find((l) => l.order?.clientOrderId === id)!;
    expect(level.state).toBe('ACTIVE');
    expect(level.order?.exchangeOrderId).toBe('123');
    expect(level.order?.pending).toBeNull();
  });

  it('returns a refused order to IDLE, alerting unless post-only would have taken', () => {
    const { state, id } = decided();
    const postOnly = rejected(state, id, { reason: 'post_only_would_take', code: '-5022', message: 'x' }, 5);
    expect(postOnly.state.levels.find((l) => l.order?.clientOrderId === id)).toBeUndefined();
    expect(postOnly.commands).toEqual([]);
    const margin = rejected(state, id, { reason: 'insufficient_margin', code: '-2019', message: 'x' }, 5);
    expect(margin.commands).toEqual([expect.objectContaining({ code: 'insufficient_margin' })]);
  });

  it('keeps a duplicate-id rejection locked and uncertain for recon to adopt', () => {
    const { state, id } = decided();
    const d = rejected(state, id, { reason: 'duplicate_client_id', code: '-4116', message: 'dup' }, 5);
    const level = d.state.levels.find((l) => l.order?.clientOrderId === id)!;
    expect(level.state).toBe('PLACING');
    expect(level.order?.uncertain).toBe(true);
  });

  it('marks an unknown outcome uncertain without unlocking the level', () => {
    const { state, id } = decided();
    const s = timedOut(state, id, 5);
    const level = s.levels.find((l) => l.order?.clientOrderId === id)!;
    expect(level.state).toBe('PLACING');
    expect(level.order?.uncertain).toBe(true);
  });

  it('locks a level whose partially filled buy was cancelled', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const id = bot.level('0.18').order!.clientOrderId;
    const partial = bot.venue.moveTo(dec('0.1799'), dec('60'));
    for (const f of partial) bot.fill(f);
    bot.venue.price = dec('0.175'); // the 0.18 level is now a resistance: recon cancels the rest of the buy
    bot.recon();
    expect(bot.level('0.18').order).toBeNull();
    expect(bot.level('0.18').fillCounter).toBe(1);
    expect(bot.state.holdings.toFixed()).toBe('60');
    expect(bot.venue.orders.get(id)?.status).toBe('CANCELED');
  });

  it('leaves a refused cancel of a vanished order for recon to settle', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.venue.price = dec('0.175');
    const d = planRecon(bot.state, bot.venue.snapshot(bot.state), bot.config, bot.venue.time);
    const cancel = d.commands.find((c): c is OrderCommand => c.kind === 'CancelOrder')!;
    const r = applyOutcome(
      d.state,
      cancel,
      { kind: 'rejected', reason: 'unknown_order', code: '-2011', message: 'gone' },
      bot.config,
      1,
    );
    const level = r.state.levels.find((l) => l.state === 'CANCELING')!;
    expect(level.order?.uncertain).toBe(true);
    const c = cancelled(d.state, cancel.kind === 'CancelOrder' ? cancel.clientOrderId : '', bot.config, 1);
    expect(c.levels.find((l) => l.price.equals(dec('0.18')))?.state).toBe('IDLE');
  });

  it('refreshes a refused amend from the exchange on the next pass', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.179');
    bot.venue.rejectNext.add(bot.state.levels.find((l) => l.order?.side === 'sell')!.order!.clientOrderId);
    bot.move('0.169'); // the top-up amend of the 0.19 sell is refused
    const sell = bot.state.levels.find((l) => l.price.equals(dec('0.19')))!;
    expect(sell.state).toBe('ACTIVE');
    expect(sell.order?.uncertain).toBe(true);
    bot.recon();
    expect(bot.state.levels.find((l) => l.price.equals(dec('0.19')))?.order?.uncertain).toBe(false);
  });

  it('ignores outcomes for orders the state no longer tracks', () => {
    const { state } = decided();
    expect(placed(state, 'gbdogeklgL0B999', '1', 5)).toBe(state);
    expect(cancelled(state, 'nope', klgConfig(), 5)).toBe(state);
    expect(timedOut(state, 'nope', 5)).toBe(state);
    expect(rejected(state, 'nope', { reason: 'other', message: 'x' }, 5).state).toBe(state);
  });
});

describe('stop outcomes', () => {
  function withStop() {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const [fill] = bot.venue.moveTo(dec('0.179'));
    const d = onFill(bot.state, fill!, bot.config, bot.venue.market(), bot.venue.time);
    const place = d.commands.find((c): c is OrderCommand => c.kind === 'PlaceStop')!;
    return { bot, state: d.state, place };
  }

  it('activates an acknowledged stop and drops a refused one with a critical alert', () => {
    const { bot, state, place } = withStop();
    const ok = applyOutcome(state, place, { kind: 'placed', exchangeOrderId: '9' }, bot.config, 1);
    expect(ok.state.stops[0]).toMatchObject({ state: 'ACTIVE', exchangeOrderId: '9' });
    const no = applyOutcome(
      state,
      place,
      { kind: 'rejected', reason: 'other', code: '-2021', message: 'would trigger' },
      bot.config,
      1,
    );
    expect(no.state.stops).toEqual([]);
    expect(no.commands).toEqual([expect.objectContaining({ severity: 'critical', code: 'stop_rejected' })]);
    const dup = applyOutcome(
      state,
      place,
      { kind: 'rejected', reason: 'duplicate_client_id', message: 'dup' },
      bot.config,
      1,
    );
    expect(dup.state.stops[0]?.uncertain).toBe(true);
    const unknown = applyOutcome(state, place, { kind: 'timedOut' }, bot.config, 1);
    expect(unknown.state.stops[0]?.uncertain).toBe(true);
  });

  it('settles stop cancels: confirmed or unknown → gone, refused → active again', () => {
    const { bot, state, place } = withStop();
    const active = applyOutcome(state, place, { kind: 'placed' }, bot.config, 1).state;
    const canceling = { ...active, stops: active.stops.map((s) => ({ ...s, state: 'CANCELING' as const })) };
    const id = active.stops[0]!.clientOrderId;
    const cancel: OrderCommand = {
      kind: 'CancelStop',
      instanceId: 'dogeklg',
      account: 'main',
      symbol: bot.config.symbol,
      clientOrderId: id,
      reason: 't',
    };
    expect(applyOutcome(canceling, cancel, { kind: 'cancelled' }, bot.config, 2).state.stops).toEqual([]);
    expect(
      applyOutcome(
        canceling,
        cancel,
        { kind: 'rejected', reason: 'unknown_order', message: 'x' },
        bot.config,
        2,
      ).state.stops,
    ).toEqual([]);
    expect(
      applyOutcome(canceling, cancel, { kind: 'rejected', reason: 'other', message: 'x' }, bot.config, 2)
        .state.stops[0]?.state,
    ).toBe('ACTIVE');
  });
});
