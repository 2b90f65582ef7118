/**
 * Public market-data routes that need no engine state: exchangeInfo (the real fixture, with `serverTime`
 * set to the server clock) and time. Weights follow Binance's published values.
 */
import type { Route } from './router.js';

export function publicInfoRoutes(exchangeInfoText: string): Route[] {
  // The fixture holds no fractional JSON numbers (money is in strings), so a parse round trip is exact.
  const info = JSON.parse(exchangeInfoText) as Record<string, unknown>;
  const withTime = (now: number): unknown => ({ ...info, serverTime: now });
  return [
    { method: 'GET', path: '/fapi/v1/ping', security: 'none', weight: 1, handle: () => ({}) },
    {
      method: 'GET',
      path: '/fapi/v1/time',
      security: 'none',
      weight: 1,
      handle: ({ now }) => ({ serverTime: now }),
    },
    {
      method: 'GET',
      path: '/fapi/v1/exchangeInfo',
      security: 'none',
      weight: 1,
      handle: ({ now }) => withTime(now),
    },
  ];
}
