import { describe, expect, it } from 'vitest';
import type { Command, PlaceStop } from '../../../../../shared/domain/commands.js';
import { dec } from '../../../../../shared/domain/money.js';
import { KlgBot, kinds, plain } from '../../../../support/strategies/klg/bot.js';

const stopsOf = (commands: readonly Command[]) =>
  commands.filter((c) => c.kind === 'PlaceStop' || c.kind === 'CancelStop');

/** Every live stop order on the venue and whether together they cover the position. */
function covered(bot: KlgBot): boolean {
  if (!bot.venue.position.greaterThan(0)) return true;
  return bot.venue
    .openOrders()
    .some((o) => o.kind === 'stop' && (o.closePosition || o.qty.greaterThanOrEqualTo(bot.venue.position)));
}

describe('stop loss', () => {
  it('when the first buy fills, then its own decision places a closePosition stop below the lowest support', () => {
    const bot = KlgBot.doge('0.185');
    expect(kinds(bot.recon())).not.toContain('PlaceStop');
    const [fill] = bot.venue.moveTo(dec('0.179'));
    const commands = bot.fill(fill!);
    // Protection first: the stop leads the decision, before the delta sell. 0.15 × (1 − 0.005) = 0.14925
    expect(kinds(commands)[0]).toBe('PlaceStop');
    expect(plain(commands[0])).toMatchObject({
      request: {
        type: 'stop_market',
        side: 'sell',
        positionSide: 'LONG',
        triggerPrice: '0.14925',
        closePosition: true,
        workingType: 'MARK_PRICE',
      },
    });
    expect(covered(bot)).toBe(true);
    expect(bot.state.stops).toHaveLength(1);
    expect(kinds(bot.recon())).not.toContain('PlaceStop');
  });

  it('when more buys fill, then a closePosition stop is left alone (it covers any size)', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.179');
    const stop = bot.state.stops[0]!.clientOrderId;
    bot.move('0.165'); // two more buys
    expect(stopsOf(bot.log).filter((c) => c.kind === 'PlaceStop')).toHaveLength(1);
    expect(bot.state.stops.map((s) => s.clientOrderId)).toEqual([stop]);
    expect(covered(bot)).toBe(true);
  });

  it('when an average-entry stop must move, then the new stop is confirmed before the old one is cancelled', () => {
    const bot = KlgBot.doge('0.185', { stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.1' } });
    bot.recon();
    bot.move('0.179'); // stop at 0.18 × 0.9 = 0.162
    expect(bot.state.stops.map((s) => s.triggerPrice.toFixed())).toEqual(['0.162']);
    const from = bot.log.length;
    bot.move('0.169'); // avg 0.175 → 0.1575: a quantity stop first (one closePosition stop per side)
    const moves = stopsOf(bot.log.slice(from));
    expect(moves.map((c) => c.kind)).toEqual(['PlaceStop', 'CancelStop']);
    expect((moves[0] as PlaceStop).request).toMatchObject({ closePosition: false });
    expect(plain((moves[0] as PlaceStop).request.qty)).toBe('200');
    expect(covered(bot)).toBe(true);
    // The next decision upgrades it back to closePosition, the same way round.
    const upgrade = stopsOf(bot.recon());
    expect(upgrade.map((c) => c.kind)).toEqual(['PlaceStop']);
    expect(bot.state.stops).toHaveLength(1);
    expect(bot.state.stops[0]).toMatchObject({ closePosition: true });
    expect(bot.state.stops[0]!.triggerPrice.toFixed()).toBe('0.1575');
    expect(covered(bot)).toBe(true);
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

  it('when the trigger is already behind the price, then the position is closed at once and the instance pauses', () => {
    const bot = KlgBot.doge('0.185', { stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.01' } });
    bot.venue.handTrade('buy', dec('100')); // entry 0.185 → trigger 0.18315
    bot.venue.price = dec('0.183');
    const commands = bot.recon();
    expect(kinds(commands)).not.toContain('PlaceStop');
    expect(plain(commands)).toContainEqual(
      expect.objectContaining({
        kind: 'ClosePosition',
        request: expect.objectContaining({ type: 'market', side: 'sell', qty: '100' }),
      }),
    );
    expect(plain(commands)).toContainEqual(
      expect.objectContaining({ kind: 'Alert', severity: 'critical', code: 'position_closed' }),
    );
    expect(bot.venue.position.toFixed()).toBe('0');
    expect(bot.state.holdings.toFixed()).toBe('0');
    expect(bot.state.paused).toBe(true);
    expect(bot.state.flatten).toBeNull();
    expect(kinds(bot.recon())).not.toContain('ClosePosition');
  });

  it('when a gap fills the lowest buy and the candle closes under the trigger, then the fill decision closes the position', () => {
    const bot = KlgBot.doge('0.152');
    bot.recon(); // a buy at 0.15; stop would be 0.14925
    const [fill] = bot.venue.moveTo(dec('0.149'));
    const commands = bot.fill(fill!);
    expect(kinds(commands)).toContain('ClosePosition');
    expect(kinds(commands)).not.toContain('PlaceStop');
    expect(bot.venue.position.toFixed()).toBe('0');
    expect(bot.state.paused).toBe(true);
  });

  it('when the venue refuses the stop because the price is through its trigger, then the position is closed', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const [fill] = bot.venue.moveTo(dec('0.179'));
    bot.venue.price = dec('0.149'); // the mark moved on before the stop arrived
    bot.fill({ ...fill!, price: dec('0.18') });
    expect(bot.log).toContainEqual(expect.objectContaining({ kind: 'ClosePosition' }));
    expect(bot.venue.position.toFixed()).toBe('0');
    expect(bot.state.paused).toBe(true);
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
    expect(kinds(bot.log)).not.toContain('PlaceStop');
  });
});
