import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import binanceSlim from '../../lib/bundling/ccxt-slim/binanceusdm.js';
import okxSlim from '../../lib/bundling/ccxt-slim/okx.js';

const errorNames = Object.keys(ccxt).filter((k) => {
  const v = (ccxt as unknown as Record<string, unknown>)[k];
  return typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error;
});

describe.each([
  ['binanceusdm', binanceSlim],
  ['okx', okxSlim],
] as const)('slim ccxt for %s', (venue, slim) => {
  const s = slim as unknown as Record<string, unknown> & {
    pro: Record<string, unknown>;
    exchanges: string[];
  };

  it('carries the same error classes as ccxt, so instanceof checks keep working', () => {
    expect(errorNames.length).toBeGreaterThan(30);
    for (const name of errorNames)
      expect(s[name], name).toBe((ccxt as unknown as Record<string, unknown>)[name]);
  });

  it('holds exactly one exchange, REST and pro, constructible like the full package', () => {
    expect(s.exchanges).toEqual([venue]);
    expect(s.pro.exchanges).toEqual([venue]);
    const Pro = s.pro[venue] as new (c: object) => { id: string; has: Record<string, unknown> };
    const client = new Pro({});
    expect(client.id).toBe(venue);
    expect(client.has.watchOrders).toBe(true);
    expect(s.pro[venue === 'okx' ? 'binanceusdm' : 'okx']).toBeUndefined();
  });
});
