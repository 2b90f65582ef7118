/**
 * Public market-data routes that need no engine state: exchangeInfo (the real fixture as the engine hosts it,
 * with `serverTime` set to the server clock) and time. Weights follow Binance's published values.
 */
import type { Route } from './router.js';

export function publicInfoRoutes(exchangeInfo: () => unknown): Route[] {
  const withTime = (now: number): unknown => ({
    ...(exchangeInfo() as Record<string, unknown>),
    serverTime: now,
  });
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
