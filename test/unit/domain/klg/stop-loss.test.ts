import { describe, expect, it } from 'vitest';
import { dec } from '../../../../shared/domain/money.js';
import { KlgBot, kinds, plain } from '../../../support/klg-bot.js';

describe('stop loss', () => {
  it('places one closePosition stop below the lowest support once there is a position', () => {
    const bot = KlgBot.doge('0.185');
    expect(kinds(bot.recon())).not.toContain('PlaceStop');
    bot.move('0.179');
    const stop = bot.recon().find((c) => c.kind === 'PlaceStop');
    // 0.15 × (1 − 0.005) = 0.14925
    expect(plain(stop)).toMatchObject({
      request: {
        type: 'stop_market',
        side: 'sell',
        positionSide: 'LONG',
        triggerPrice: '0.14925',
        closePosition: true,
        workingType: 'MARK_PRICE',
      },
    });
    expect(bot.state.stops).toHaveLength(1);
    expect(kinds(bot.recon())).not.toContain('PlaceStop');
  });

  it('moves an average-entry stop by cancelling the old one before placing the new one', () => {
    const bot = KlgBot.doge('0.185', { stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.1' } });
    bot.recon();
    bot.move('0.179');
    bot.recon(); // stop at 0.18 × 0.9 = 0.162
    expect(bot.state.stops[0]?.triggerPrice.toFixed()).toBe('0.162');
    bot.move('0.169');
    const commands = bot.recon(); // avg 0.175 → 0.1575
    expect(kinds(commands).filter((k) => k.endsWith('Stop'))).toEqual(['CancelStop', 'PlaceStop']);
    expect(bot.state.stops.map((s) => s.triggerPrice.toFixed())).toEqual(['0.1575']);
  });

  it('cancels the stop when the position is flat', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.179');
    bot.recon();
    bot.venue.handTrade('sell', bot.venue.position);
    expect(kinds(bot.recon())).toContain('CancelStop');
    expect(bot.state.stops).toEqual([]);
  });

  it('alerts instead of placing a stop that would trigger at once', () => {
    const bot = KlgBot.doge('0.185', { stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.01' } });
    bot.venue.handTrade('buy', dec('100')); // entry 0.185 → trigger 0.18315
    bot.venue.price = dec('0.183');
    const commands = bot.recon();
    expect(bot.state.holdings.toFixed()).toBe('100');
    expect(kinds(commands)).not.toContain('PlaceStop');
    expect(plain(commands)).toContainEqual(
      expect.objectContaining({ kind: 'Alert', severity: 'critical', code: 'stop_unplaceable' }),
    );
    expect(kinds(bot.recon()).filter((k) => k === 'Alert')).toEqual([]); // alerts once, not every pass
  });

  it('re-places a stop that vanished from the exchange and adopts one placed by a crashed pass', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.179');
    bot.recon();
    const first = bot.state.stops[0]!.clientOrderId;
    bot.venue.cancelByHand(first);
    const commands = bot.recon();
    expect(plain(commands)).toContainEqual(expect.objectContaining({ kind: 'Alert', code: 'stop_gone' }));
    expect(kinds(commands)).toContain('PlaceStop');
    const second = bot.state.stops[0]!.clientOrderId;
    bot.state = { ...bot.state, stops: [] }; // the ACTIVE write was lost
    expect(kinds(bot.recon())).not.toContain('PlaceStop');
    expect(bot.state.stops.map((s) => s.clientOrderId)).toEqual([second]);
  });

  it('places no stop when the stop loss is disabled', () => {
    const bot = KlgBot.doge('0.185', { stop_loss: { enabled: false } });
    bot.recon();
    bot.move('0.179');
    expect(kinds(bot.recon())).not.toContain('PlaceStop');
  });
});
