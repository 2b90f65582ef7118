/**
 * The delayed second recon pass (issue 22) through the real recon handler: SQS records whose body is the
 * scheduler's payload, as the second-pass queue's event source mapping delivers them (batch size 1, batch
 * item failures). Real parts as in `runtime.test.ts`: the Binance protocol server on the paper engine,
 * dynalite, a local Secrets Manager; the queue itself is simulated by the records it would hand over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS } from '../support/binance/paper-venue.js';
import { type E2e, startE2e } from '../support/e2e/harness.js';
import { GRID_MARKETS } from '../support/e2e/markets.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

const account = ACCOUNTS[0];
const m = GRID_MARKETS.binanceusdm;
const SYMBOL = m.engineSymbol;
const instance = klgConfigInput({
  id: 'fastklg',
  account: account.id,
  symbol: m.symbol,
  recon_interval_sec: 30,
  order_action_timeout_sec: 1,
  levels: {
    source: 'manual',
    prices: ['0.15', '0.16', '0.17', '0.18', '0.19', '0.2', '0.21', '0.22'].map(m.px),
  },
  base_amount_per_grid: m.qty('100'),
});

let rig: E2e;
let records = 0;

/** An SQS event of one record per body, as the event source mapping hands it to the function. */
const queued = (...bodies: string[]) => ({
  Records: bodies.map((body) => {
    records += 1;
    return {
      messageId: `0c9b2a51-0000-4000-8000-${String(records).padStart(12, '0')}`,
      receiptHandle: `handle-${records}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
      messageAttributes: {},
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:ap-northeast-1:111111111111:gridbot-trading-SecondPassmainQueue',
      awsRegion: 'ap-northeast-1',
    };
  }),
});

/** The scheduled minute of a second pass due now (its 30 s delay just over), as the scheduler writes it. */
const minuteDueNow = (minutesBack = 0) =>
  new Date(Date.now() - 30_000 - minutesBack * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const secondPass = (scheduledTime: string) =>
  JSON.stringify({ instanceId: 'fastklg', scheduledTime, pass: 2 });

const buysOpen = () =>
  rig.venue.engine
    .openOrders(account.id, SYMBOL)
    .filter((o) => o.side === 'BUY')
    .map((o) => o.price.toFixed())
    .sort();
const cancelBuyAt = (price: string) => {
  const victim = rig.venue.engine
    .openOrders(account.id, SYMBOL)
    .find((o) => o.side === 'BUY' && o.price.equals(m.px(price)))!;
  rig.venue.engine.cancelOrder(account.id, SYMBOL, { clientOrderId: victim.clientOrderId });
};
/** Log lines (JSON) the handler wrote since `from`, with the given message or metric. */
const lines = (from: number, match: (line: Record<string, unknown>) => boolean) =>
  rig.captured
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter(match);
/** The sum of a metric's values in the EMF lines written since `from` (a line holds a value or a list). */
const counted = (from: number, name: string) =>
  lines(from, (l) => name in l)
    .flatMap((l) => [l[name]].flat() as number[])
    .reduce((n, v) => n + v, 0);

beforeAll(async () => {
  rig = await startE2e({
    table: 'gridbot-e2e-recon-queue',
    deployment: { accounts: [{ id: account.id, exchange: 'binanceusdm' }], instances: [instance] },
    prices: { [SYMBOL]: m.px('0.185') },
  });
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

describe('the recon handler given the queued second pass', () => {
  it('runs a pass from an SQS record, and a redelivery of the same scheduled time and pass acts once', async () => {
    const minute = minuteDueNow();
    const first = await rig.handlers.recon(queued(secondPass(minute)));
    expect(first).toEqual({ batchItemFailures: [] });
    expect(buysOpen()).toEqual(['0.15', '0.16', '0.17', '0.18'].map(m.px));

    // A buy cancelled by hand: any pass that acts puts it back.
    cancelBuyAt('0.16');
    const again = await rig.handlers.recon(queued(secondPass(minute)));
    expect(again).toEqual({ batchItemFailures: [] });
    expect(buysOpen()).not.toContain(m.px('0.16'));

    // Pass 1 of that minute is another delivery, and acts.
    await rig.handlers.recon(queued(JSON.stringify({ instanceId: 'fastklg', scheduledTime: minute })));
    expect(buysOpen()).toContain(m.px('0.16'));
  });

  it('drops a malformed record, counted and logged, without asking for it again', async () => {
    const from = rig.captured.length;
    const answer = await rig.handlers.recon(
      queued(
        'not json',
        JSON.stringify({ instanceId: 'fastklg', pass: 2 }),
        JSON.stringify({ instanceId: 'fastklg', scheduledTime: 'soon', pass: 2 }),
        JSON.stringify({ instanceId: 'fastklg', scheduledTime: minuteDueNow(), pass: 3 }),
      ),
    );
    expect(answer).toEqual({ batchItemFailures: [] });
    const dropped = lines(from, (l) => l.message === 'malformed queued delivery dropped');
    expect(dropped.map((l) => l.error)).toEqual([
      'body: not JSON',
      expect.stringMatching(/^scheduledTime: /),
      expect.stringMatching(/^scheduledTime: not a time/),
      expect.stringMatching(/^pass: /),
    ]);
    expect(counted(from, 'BadEvents')).toBe(4);
  });

  it('drops a record later than its useful age without acting on it', async () => {
    cancelBuyAt('0.17');
    const stale = minuteDueNow(2); // due two minutes ago: newer passes have it
    const from = rig.captured.length;
    const answer = await rig.handlers.recon(queued(secondPass(stale)));
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(buysOpen()).not.toContain(m.px('0.17'));
    expect(lines(from, (l) => l.message === 'late delivery dropped: a newer pass has it')).toMatchObject([
      { instance: 'fastklg', scheduledTime: stale, pass: 2 },
    ]);
    expect(counted(from, 'LateDeliveries')).toBe(1);
    // Never claimed, so it never ran.
    expect(await rig.store.claimOnce(`recon#fastklg#${stale}#2`, 60)).toBe(true);
  });

  it('still answers the scheduler payload directly, as pass 1 arrives', async () => {
    const answer = await rig.handlers.recon({ instanceId: 'fastklg', scheduledTime: minuteDueNow(-1) });
    expect(answer.outcomes.map((o) => o.status)).toEqual(['done']);
    expect(buysOpen()).toContain(m.px('0.17'));
  });
});
