/** Store contract, part 3: a corrupt or foreign item is a `StoreParseError` naming its key, on every read. */
import { beforeEach, describe, expect, it } from 'vitest';
import { gridStateToJson } from '../../../shared/domain/grid-state.js';
import { StoreParseError } from '../../../shared/ports/state-store.js';
import type { StoreBackend, StoreHarness } from './backends.js';
import { busyGridState, journalEntry, klgConfig, T0 } from './builders.js';

const gridDoc = (instanceId: string, version: number) =>
  JSON.stringify({ ...(gridStateToJson(busyGridState(instanceId)) as object), version });

async function expectParseError(read: Promise<unknown>, key: string, detail: RegExp): Promise<void> {
  const error = await read.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreParseError);
  expect((error as StoreParseError).key).toBe(key);
  expect((error as Error).message).toContain(key);
  expect((error as Error).message).toMatch(detail);
}

export function parseContract(backend: () => StoreBackend): void {
  describe('corrupt and foreign items', () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await backend().fresh(() => T0);
    });

    it('names the key when a grid document is not JSON', async () => {
      await h.putRaw({ pk: 'INST#g1', sk: 'GRID', type: 'GRID', version: 1, doc: '{"schema":1,' });
      await expectParseError(h.store.loadGrid('g1'), 'INST#g1/GRID', /doc is not JSON/);
    });

    it('names the key and the field when a grid document fails its schema', async () => {
      const doc = JSON.parse(gridDoc('g2', 1));
      doc.levels[1].price = '0.31,5';
      await h.putRaw({ pk: 'INST#g2', sk: 'GRID', type: 'GRID', version: 1, doc: JSON.stringify(doc) });
      await expectParseError(h.store.loadGrid('g2'), 'INST#g2/GRID', /levels\.1\.price/);
    });

    it('refuses an item of another type stored under the grid key', async () => {
      await h.putRaw({ pk: 'INST#g3', sk: 'GRID', type: 'CONFIG', version: 1, doc: gridDoc('g3', 1) });
      await expectParseError(h.store.loadGrid('g3'), 'INST#g3/GRID', /type is "CONFIG", expected GRID/);
    });

    it('refuses a grid document that belongs to another instance', async () => {
      await h.putRaw({ pk: 'INST#g4', sk: 'GRID', type: 'GRID', version: 1, doc: gridDoc('other', 1) });
      await expectParseError(h.store.loadGrid('g4'), 'INST#g4/GRID', /instanceId is "other"/);
    });

    it('refuses a grid whose version attribute disagrees with its document', async () => {
      await h.putRaw({ pk: 'INST#g5', sk: 'GRID', type: 'GRID', version: 2, doc: gridDoc('g5', 1) });
      await expectParseError(h.store.loadGrid('g5'), 'INST#g5/GRID', /document version is 1, expected 2/);
    });

    it('reports a corrupt version when a save conflicts with a foreign grid item', async () => {
      await h.putRaw({ pk: 'INST#g6', sk: 'GRID', type: 'GRID', doc: gridDoc('g6', 1) });
      await expectParseError(
        h.store.saveGrid(busyGridState('g6'), 0),
        'INST#g6/GRID',
        /no version attribute/,
      );
    });

    it('names the key of a config that fails its schema', async () => {
      const doc = { ...(JSON.parse(JSON.stringify(klgConfig('c1'))) as object), max_fill_per_level: 0 };
      await h.putRaw({ pk: 'INST#c1', sk: 'CONFIG', type: 'CONFIG', doc: JSON.stringify(doc) });
      await expectParseError(h.store.getConfig('c1'), 'INST#c1/CONFIG', /max_fill_per_level/);
    });

    it('refuses a config stored under another instance', async () => {
      await h.putRaw({ pk: 'INST#c2', sk: 'CONFIG', type: 'CONFIG', doc: JSON.stringify(klgConfig('c3')) });
      await expectParseError(h.store.getConfig('c2'), 'INST#c2/CONFIG', /id/);
    });

    it('names the key of a corrupt journal line met by a query', async () => {
      await h.store.appendJournal([journalEntry('j1', 'fill', T0, 'good')]);
      const sk = `J#fill#${String(T0 + 1).padStart(15, '0')}#bad`;
      await h.putRaw({
        pk: 'INST#j1',
        sk,
        type: 'JOURNAL',
        doc: JSON.stringify({ instanceId: 'j1', kind: 'fill' }),
      });
      await expectParseError(h.store.queryJournal('j1', 'fill', T0, T0 + 10), `INST#j1/${sk}`, /time/);
    });

    it('refuses heartbeat, risk and params items that are missing fields or belong elsewhere', async () => {
      await h.putRaw({
        pk: 'ACCOUNT#a1',
        sk: 'HEARTBEAT',
        type: 'HEARTBEAT',
        doc: JSON.stringify({ accountId: 'a2', at: T0, writer: 'w', status: 'connected' }),
      });
      await expectParseError(h.store.getHeartbeat('a1'), 'ACCOUNT#a1/HEARTBEAT', /accountId is "a2"/);
      await h.putRaw({
        pk: 'INST#r1',
        sk: 'RISK',
        type: 'RISK',
        doc: JSON.stringify({ instanceId: 'r1', level: 'ok' }),
      });
      await expectParseError(h.store.loadRisk('r1'), 'INST#r1/RISK', /equityPeak/);
      await h.putRaw({ pk: 'INST#p1', sk: 'PARAMS#0000000001', type: 'PARAMS', version: 1, doc: '[]' });
      await expectParseError(
        h.store.loadParams('p1'),
        'INST#p1/PARAMS#0000000001',
        /not a valid gridbot item/,
      );
      await h.putRaw({ pk: 'INST#p2', sk: 'GRID', type: 'GRID', version: 1 });
      await expectParseError(h.store.loadGrid('p2'), 'INST#p2/GRID', /no doc attribute/);
    });
  });
}
