/** Store contract, part 2: configs, parameters, journal, heartbeat, risk state and claims. */
import { beforeEach, describe, expect, it } from 'vitest';
import { configToJson } from '../../../shared/domain/config/deployment.js';
import { paramsToJson } from '../../../shared/domain/params.js';
import type { StoreBackend, StoreHarness } from './backends.js';
import { journalEntry, klgConfig, paramsRecord, T0 } from './builders.js';

export function recordsContract(backend: () => StoreBackend): void {
  let h: StoreHarness;
  let now: number;
  beforeEach(async () => {
    now = T0;
    h = await backend().fresh(() => now);
  });

  describe('instance configs', () => {
    it('round-trips a config, defaults and decimals included', async () => {
      const config = klgConfig('dogeklg', { sell_quota_ratio: '0.70000000000000000001' });
      await h.store.putConfig(config);
      const loaded = await h.store.getConfig('dogeklg');
      expect(loaded).toEqual(config);
      expect(loaded && configToJson(loaded)).toEqual(configToJson(config));
    });

    it('returns null for an unknown instance and replaces a config on put', async () => {
      expect(await h.store.getConfig('unknown')).toBeNull();
      await h.store.putConfig(klgConfig('swap', { enabled: true }));
      await h.store.putConfig(klgConfig('swap', { enabled: false }));
      expect((await h.store.getConfig('swap'))?.enabled).toBe(false);
    });

    it('keeps each config in its own instance partition', async () => {
      for (const id of ['zeta', 'alpha']) await h.store.putConfig(klgConfig(id));
      expect((await h.store.getConfig('zeta'))?.id).toBe('zeta');
      expect((await h.store.getConfig('alpha'))?.id).toBe('alpha');
    });
  });

  describe('confirmations', () => {
    const confirmation = (token: string, expiresAt: number) => ({
      instanceId: 'cf1',
      token,
      command: 'close-all',
      stateVersion: 7,
      issuedAt: T0,
      expiresAt,
      caller: 'ops@laptop',
    });

    it('returns a live confirmation as saved, and nothing for another instance or an unknown token', async () => {
      const c = confirmation('AbCdEfGhIjKlMnOpQrStUv', T0 + 300_000);
      await h.store.saveConfirmation(c);
      expect(await h.store.loadConfirmation('cf1', c.token)).toEqual(c);
      expect(await h.store.loadConfirmation('cf2', c.token)).toBeNull();
      expect(await h.store.loadConfirmation('cf1', 'AbCdEfGhIjKlMnOpQrStUw')).toBeNull();
      // Not a token we could have issued: never looked up.
      expect(await h.store.loadConfirmation('cf1', 'close-all:cf1:v7')).toBeNull();
    });

    it('treats an expired confirmation as absent', async () => {
      await h.store.saveConfirmation(confirmation('expiredtoken0000000000', T0 - 1));
      expect(await h.store.loadConfirmation('cf1', 'expiredtoken0000000000')).toBeNull();
    });

    it('refuses to store a malformed confirmation, naming the field', async () => {
      await expect(h.store.saveConfirmation(confirmation('short', T0 + 1))).rejects.toThrow(/token/);
    });
  });

  describe('grid parameters', () => {
    it('saves versions in sequence and loads the latest or any given one', async () => {
      expect(await h.store.loadParams('prm')).toBeNull();
      expect(await h.store.saveParams(paramsRecord('prm', '0.31'), 0)).toEqual({ ok: true, version: 1 });
      expect(await h.store.saveParams(paramsRecord('prm', '0.32'), 1)).toEqual({ ok: true, version: 2 });
      const latest = await h.store.loadParams('prm');
      expect(latest && paramsToJson(latest)).toEqual(
        paramsToJson({ ...paramsRecord('prm', '0.32'), version: 2 }),
      );
      expect((await h.store.loadParams('prm', 1))?.anchorPrice.toFixed()).toBe('0.31');
      expect(await h.store.loadParams('prm', 3)).toBeNull();
    });

    it('refuses a save on a stale or unknown version and reports the latest', async () => {
      await h.store.saveParams(paramsRecord('prm'), 0);
      await h.store.saveParams(paramsRecord('prm'), 1);
      expect(await h.store.saveParams(paramsRecord('prm'), 1)).toEqual({
        ok: false,
        conflict: true,
        currentVersion: 2,
      });
      expect(await h.store.saveParams(paramsRecord('prm'), 0)).toEqual({
        ok: false,
        conflict: true,
        currentVersion: 2,
      });
      expect(await h.store.saveParams(paramsRecord('prm'), 7)).toEqual({
        ok: false,
        conflict: true,
        currentVersion: 2,
      });
      expect(await h.store.saveParams(paramsRecord('none'), 1)).toEqual({
        ok: false,
        conflict: true,
        currentVersion: null,
      });
      expect((await h.store.loadParams('prm'))?.version).toBe(2);
    });

    it('lets exactly one of two racing recomputes write the next version', async () => {
      await h.store.saveParams(paramsRecord('race'), 0);
      const results = await Promise.all([
        h.store.saveParams(paramsRecord('race', '1'), 1),
        h.store.saveParams(paramsRecord('race', '2'), 1),
      ]);
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, version: 2 }]);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, conflict: true, currentVersion: 2 }]);
    });
  });

  describe('journal', () => {
    it('returns entries with from ≤ time < to, oldest first, per instance and kind', async () => {
      await h.store.appendJournal([
        journalEntry('jr', 'fill', T0 + 2000, 'b'),
        journalEntry('jr', 'fill', T0, 'a'),
        journalEntry('jr', 'fill', T0 + 2000, 'a'),
        journalEntry('jr', 'fill', T0 + 3000, 'c'),
        journalEntry('jr', 'order', T0 + 1000, 'o1'),
        journalEntry('other', 'fill', T0 + 1000, 'x'),
      ]);
      const fills = await h.store.queryJournal('jr', 'fill', T0, T0 + 3000);
      expect(fills.map((e) => `${e.time - T0}:${e.id}`)).toEqual(['0:a', '2000:a', '2000:b']);
      expect(fills[0]).toEqual(journalEntry('jr', 'fill', T0, 'a'));
      expect((await h.store.queryJournal('jr', 'order', 0, T0 * 2)).map((e) => e.id)).toEqual(['o1']);
      expect(await h.store.queryJournal('jr', 'fill', T0 + 1, T0 + 2000)).toEqual([]);
      expect(await h.store.queryJournal('jr', 'fill', T0 + 3000, T0)).toEqual([]);
    });

    it('honours the limit across more entries than one batch write holds', async () => {
      const entries = Array.from({ length: 60 }, (_, i) =>
        journalEntry('many', 'equity', T0 + i, `e${i}`, { equity: `${1000 + i}.5` }),
      );
      await h.store.appendJournal(entries);
      expect(await h.store.queryJournal('many', 'equity', T0, T0 + 60)).toHaveLength(60);
      const first = await h.store.queryJournal('many', 'equity', T0 + 10, T0 + 60, 5);
      expect(first.map((e) => e.data.equity)).toEqual(['1010.5', '1011.5', '1012.5', '1013.5', '1014.5']);
    });

    it('keeps one entry when the same line is appended again', async () => {
      const entry = journalEntry('dup', 'action', T0, 'rebuild-1', { reason: 'drift' });
      await h.store.appendJournal([entry, entry]);
      await h.store.appendJournal([{ ...entry, data: { reason: 'drift', retried: true } }]);
      expect(await h.store.queryJournal('dup', 'action', T0, T0 + 1)).toEqual([
        { ...entry, data: { reason: 'drift', retried: true } },
      ]);
    });

    it('stops returning entries once their time to live has passed', async () => {
      await h.store.appendJournal([
        journalEntry('ttl', 'alert', T0, 'old'),
        journalEntry('ttl', 'alert', T0 + 86_400_000, 'new'),
      ]);
      now = T0 + 90 * 86_400_000 + 1000;
      expect((await h.store.queryJournal('ttl', 'alert', 0, T0 * 2)).map((e) => e.id)).toEqual(['new']);
    });

    it('rejects an invalid entry, naming the field, and writes nothing', async () => {
      const bad = { ...journalEntry('bad', 'fill', T0, 'x'), data: { qty: Number.NaN } };
      await expect(h.store.appendJournal([journalEntry('bad', 'fill', T0, 'ok'), bad])).rejects.toThrow(
        /journal entry 1 is invalid: data.qty/,
      );
      expect(await h.store.queryJournal('bad', 'fill', 0, T0 * 2)).toEqual([]);
    });
  });

  describe('flatten requests', () => {
    const request = (instanceId: string, requestedAt: number) => ({
      instanceId,
      account: 'main',
      urgency: 'emergency' as const,
      reason: 'close-all',
      requestedAt,
      legs: [{ role: 'grid', symbol: 'DOGE/USDC:USDC', positionSide: 'LONG' as const }],
      status: 'pending' as const,
      doneAt: null,
    });

    it('lists the requests of an account, and marks one done only over the request it names', async () => {
      expect(await h.store.putFlatten(request('a', T0))).toBe(true);
      await h.store.putFlatten({ ...request('b', T0), account: 'other' });
      expect((await h.store.listFlattens('main')).map((r) => r.instanceId)).toEqual(['a']);
      // A newer request replaces the first; marking the first done must not overwrite it.
      await h.store.putFlatten(request('a', T0 + 5_000));
      const stale = await h.store.putFlatten(
        { ...request('a', T0), status: 'done', doneAt: T0 + 6_000 },
        { ifRequestedAt: T0 },
      );
      expect(stale).toBe(false);
      expect(await h.store.listFlattens('main')).toMatchObject([
        { requestedAt: T0 + 5_000, status: 'pending' },
      ]);
      const done = await h.store.putFlatten(
        { ...request('a', T0 + 5_000), status: 'done', doneAt: T0 + 7_000 },
        { ifRequestedAt: T0 + 5_000 },
      );
      expect(done).toBe(true);
      expect(await h.store.listFlattens('main')).toMatchObject([{ status: 'done', doneAt: T0 + 7_000 }]);
    });

    it('forgets a finished request a day after it was done', async () => {
      await h.store.putFlatten({ ...request('a', T0), status: 'done', doneAt: T0 });
      now = T0 + 86_400_000 + 2_000;
      expect(await h.store.listFlattens('main')).toEqual([]);
    });
  });

  describe('heartbeat, risk state and claims', () => {
    it('keeps the latest heartbeat per account', async () => {
      expect(await h.store.getHeartbeat('main')).toBeNull();
      await h.store.putHeartbeat({ accountId: 'main', at: T0, writer: 'task-1', status: 'connected' });
      await h.store.putHeartbeat({ accountId: 'main', at: T0 + 5000, writer: 'task-1', status: 'resyncing' });
      expect(await h.store.getHeartbeat('main')).toEqual({
        accountId: 'main',
        at: T0 + 5000,
        writer: 'task-1',
        status: 'resyncing',
      });
    });

    it('round-trips the risk state and rejects a malformed equity', async () => {
      const risk = {
        instanceId: 'rsk',
        equityPeak: '10234.56789012345678901',
        lastEquity: '9000.1',
        level: 'warning',
        checkedAt: T0,
      } as const;
      await h.store.saveRisk(risk);
      expect(await h.store.loadRisk('rsk')).toEqual(risk);
      expect(await h.store.loadRisk('none')).toBeNull();
      await expect(h.store.saveRisk({ ...risk, equityPeak: '1,000' })).rejects.toThrow(
        /risk state is invalid: equityPeak/,
      );
    });

    it('grants a claim once until it expires', async () => {
      expect(await h.store.claimOnce('recon#dogeklg#2025-01-15T08:00', 120)).toBe(true);
      expect(await h.store.claimOnce('recon#dogeklg#2025-01-15T08:00', 120)).toBe(false);
      expect(await h.store.claimOnce('recon#dogeklg#2025-01-15T08:01', 120)).toBe(true);
      now = T0 + 119_000;
      expect(await h.store.claimOnce('recon#dogeklg#2025-01-15T08:00', 120)).toBe(false);
      now = T0 + 120_000;
      expect(await h.store.claimOnce('recon#dogeklg#2025-01-15T08:00', 120)).toBe(true);
      await expect(h.store.claimOnce('', 10)).rejects.toThrow(/claim key/);
      await expect(h.store.claimOnce('k', 0)).rejects.toThrow(/ttlSeconds/);
    });

    it('grants a claim to exactly one of many simultaneous callers', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => h.store.claimOnce('risk#x#1', 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
