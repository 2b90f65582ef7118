import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDynamoClient,
  createDynamoStateStore,
  ensureStateTable,
} from '../../../shared/adapters/dynamodb/index.js';
import {
  type EmbeddedDynamo,
  startEmbeddedDynamo,
} from '../../../shared/adapters/embedded/dynalite-server.js';
import {
  EventSinkError,
  eventFromJournal,
  FanoutSink,
  JournalSink,
  journalEntriesOf,
  MemorySink,
} from '../../../shared/adapters/events/index.js';
import { createMemoryStateStore } from '../../../shared/adapters/memory/index.js';
import type { EventSink, TradingEvent } from '../../../shared/ports/events.js';
import type { StateStore } from '../../../shared/ports/state-store.js';

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);

/** One recon pass and one fill, as the application services emit them. */
function sampleEvents(instanceId = 'klg-btc'): TradingEvent[] {
  return [
    {
      ts: T0,
      type: 'order_placed',
      instanceId,
      side: 'buy',
      price: '58000.10',
      qty: '0.002',
      level: '58000.1',
      clientOrderId: 'gbKLGbtc01B0001',
    },
    {
      ts: T0,
      type: 'stop_placed',
      instanceId,
      side: 'sell',
      price: '55000',
      qty: '0.010',
      clientOrderId: 'gbKLGbtc01S0001',
    },
    {
      ts: T0 + 1500,
      type: 'fill',
      instanceId,
      side: 'buy',
      price: '58000.10',
      qty: '0.002',
      level: '58000.1',
      clientOrderId: 'gbKLGbtc01B0001',
      tradeId: '900001',
      fee: '0.0232',
      holdings: '0.012',
      avgEntry: '58500.05',
    },
    {
      ts: T0 + 1500,
      type: 'order_placed',
      instanceId,
      side: 'sell',
      price: '58600.00',
      qty: '0.002',
      level: '58000.1',
      clientOrderId: 'gbKLGbtc01S0002',
    },
    {
      ts: T0 + 2000,
      type: 'alert',
      instanceId,
      severity: 'warning',
      code: 'consistency_guard',
      reason: 'holdings above the guard',
    },
  ];
}

function journalContract(name: string, makeStore: () => Promise<StateStore>) {
  describe(`journal sink on the ${name} store`, () => {
    it('journals fills as fill, alerts as alert, orders and stops as order, with their facts', async () => {
      const store = await makeStore();
      await new JournalSink(store).record(sampleEvents());
      const orders = await store.queryJournal('klg-btc', 'order', T0, T0 + 10_000);
      const fills = await store.queryJournal('klg-btc', 'fill', T0, T0 + 10_000);
      const alerts = await store.queryJournal('klg-btc', 'alert', T0, T0 + 10_000);
      expect(orders.map((e) => e.id)).toEqual([
        'order_placed#gbKLGbtc01B0001',
        'stop_placed#gbKLGbtc01S0001',
        'order_placed#gbKLGbtc01S0002',
      ]);
      expect(fills).toEqual([
        {
          instanceId: 'klg-btc',
          kind: 'fill',
          time: T0 + 1500,
          id: 'fill#900001',
          data: {
            type: 'fill',
            side: 'buy',
            price: '58000.10',
            qty: '0.002',
            level: '58000.1',
            clientOrderId: 'gbKLGbtc01B0001',
            tradeId: '900001',
            fee: '0.0232',
            holdings: '0.012',
            avgEntry: '58500.05',
          },
        },
      ]);
      expect(alerts.map((e) => [e.id, e.data.code, e.data.severity])).toEqual([
        ['alert#consistency_guard', 'consistency_guard', 'warning'],
      ]);
    });

    it('reads back the very events it wrote, decimals as the same strings', async () => {
      const store = await makeStore();
      await new JournalSink(store).record(sampleEvents());
      const read = (
        await Promise.all(
          (['order', 'fill', 'alert'] as const).map((k) => store.queryJournal('klg-btc', k, T0, T0 + 10_000)),
        )
      )
        .flat()
        .map(eventFromJournal);
      const byKey = (e: TradingEvent | null) => `${e?.ts}|${e?.type}|${e?.clientOrderId}`;
      expect(read.sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
        sampleEvents().sort((a, b) => byKey(a).localeCompare(byKey(b))),
      );
    });

    it('when the same batch is recorded again then nothing is added (a retried save, a replay)', async () => {
      const store = await makeStore();
      const sink = new JournalSink(store);
      await sink.record(sampleEvents());
      await sink.record(sampleEvents());
      await sink.record(sampleEvents().slice(2, 3));
      expect(await store.queryJournal('klg-btc', 'order', T0, T0 + 10_000)).toHaveLength(3);
      expect(await store.queryJournal('klg-btc', 'fill', T0, T0 + 10_000)).toHaveLength(1);
    });

    it('keeps events of one batch that share instance, kind, time and id apart', async () => {
      const store = await makeStore();
      const twice: TradingEvent = {
        ts: T0,
        type: 'alert',
        instanceId: 'klg-btc',
        severity: 'info',
        code: 'x',
      };
      await new JournalSink(store).record([
        twice,
        { ...twice, reason: 'second' },
        { ...twice, reason: 'third' },
      ]);
      const alerts = await store.queryJournal('klg-btc', 'alert', T0, T0 + 1);
      expect(alerts.map((a) => [a.id, a.data.reason ?? null])).toEqual([
        ['alert#x', null],
        ['alert#x#2', 'second'],
        ['alert#x#3', 'third'],
      ]);
    });

    it('keeps instances apart and writes nothing for an empty batch', async () => {
      const store = await makeStore();
      const sink = new JournalSink(store);
      await sink.record([]);
      await sink.record([...sampleEvents('a'), ...sampleEvents('b')]);
      expect(await store.queryJournal('a', 'fill', T0, T0 + 10_000)).toHaveLength(1);
      expect(await store.queryJournal('b', 'order', T0, T0 + 10_000)).toHaveLength(3);
      expect(await store.queryJournal('c', 'order', T0, T0 + 10_000)).toEqual([]);
    });
  });
}

journalContract('in-memory', async () => createMemoryStateStore({ now: () => T0, encode: true }));

describe('on dynalite', () => {
  let server: EmbeddedDynamo;
  let client: DynamoDBClient;
  let tables = 0;
  beforeAll(async () => {
    server = await startEmbeddedDynamo();
    client = createDynamoClient({ endpoint: server.endpoint });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });
  // A table per test, so tests stay apart on one server.
  journalContract('dynalite', async () => {
    const tableName = `journal-${++tables}`;
    await ensureStateTable(client, tableName);
    return createDynamoStateStore({ tableName, client, now: () => T0 });
  });
});

describe('journal entries', () => {
  it('fall back to the event type when there is no order id, trade id or code', () => {
    const [entry] = journalEntriesOf([{ ts: 5, type: 'order_rejected', instanceId: 'i', reason: 'filter' }]);
    expect(entry).toMatchObject({ kind: 'order', id: 'order_rejected', time: 5 });
  });

  it('read back as null when they were not written by the sink', () => {
    expect(
      eventFromJournal({ instanceId: 'i', kind: 'action', time: 1, id: 'x', data: { type: 'rebuild' } }),
    ).toBe(null);
  });
});

describe('memory sink', () => {
  it('keeps events in order and answers by type and instance', async () => {
    const sink = new MemorySink();
    await sink.record(sampleEvents('a'));
    await sink.record(sampleEvents('b').slice(0, 1));
    expect(sink.events).toHaveLength(6);
    expect(sink.ofType('fill').map((e) => e.tradeId)).toEqual(['900001']);
    expect(sink.ofInstance('b')).toHaveLength(1);
    sink.clear();
    expect(sink.events).toEqual([]);
  });
});

describe('fanout sink', () => {
  it('records each batch in every sink', async () => {
    const a = new MemorySink();
    const b = new MemorySink();
    await new FanoutSink([a, b]).record(sampleEvents());
    expect([a.events.length, b.events.length]).toEqual([5, 5]);
  });

  it('when one sink fails then the others still record and the error carries the failure', async () => {
    const good = new MemorySink();
    const failing: EventSink = {
      record: async () => {
        throw new Error('store unavailable');
      },
    };
    const error = await new FanoutSink([failing, good]).record(sampleEvents()).catch((e: unknown) => e);
    expect(good.events).toHaveLength(5);
    expect(error).toBeInstanceOf(EventSinkError);
    expect((error as EventSinkError).message).toBe('1 of 2 event sinks failed to record 5 events');
    expect((error as EventSinkError).errors.map((e) => (e as Error).message)).toEqual(['store unavailable']);
  });
});
