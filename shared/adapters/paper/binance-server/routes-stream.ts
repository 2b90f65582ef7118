/**
 * Listen-key routes (`/fapi/v1/listenKey` POST / PUT / DELETE): API key only, no signature, as on Binance.
 */
import { apiErrors } from './api-error.js';
import type { ListenKeys } from './listen-keys.js';
import type { Route, RouteContext } from './router.js';

function accountOf(ctx: RouteContext): string {
  if (!ctx.account) throw apiErrors.rejectedApiKey();
  return ctx.account;
}

export function listenKeyRoutes(keys: ListenKeys, onClosed: (key: string) => void): Route[] {
  return [
    {
      method: 'POST',
      path: '/fapi/v1/listenKey',
      security: 'apiKey',
      weight: 1,
      handle: (ctx) => ({ listenKey: keys.create(accountOf(ctx), ctx.now) }),
    },
    {
      method: 'PUT',
      path: '/fapi/v1/listenKey',
      security: 'apiKey',
      weight: 1,
      handle: (ctx) => {
        const account = accountOf(ctx);
        if (!keys.keepAlive(account, ctx.now, ctx.params.get('listenKey') ?? undefined))
          throw apiErrors.listenKeyMissing();
        return { listenKey: keys.activeKey(account) };
      },
    },
    {
      method: 'DELETE',
      path: '/fapi/v1/listenKey',
      security: 'apiKey',
      weight: 1,
      handle: (ctx) => {
        const closed = keys.close(accountOf(ctx), ctx.params.get('listenKey') ?? undefined);
        if (closed) onClosed(closed);
        return {};
      },
    },
  ];
}
