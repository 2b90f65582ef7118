/**
 * The REST side of the OKX protocol server: a route table keyed by `METHOD /api/v5/path`, and the pipeline
 * every request goes through, in OKX's order: route lookup (404), authentication of private routes
 * (`OK-ACCESS-*` headers, 401 with 5010x / 5011x codes), the route's rate limit (requests per 2 s per key
 * or IP, 429 with 50011), injected faults, then the handler. Answers are `{ code, msg, data }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WeightLimiter } from '../binance-server/rate-limit.js';
import { readBody, takeFault } from '../protocol-http.js';
import { OkxApiError, okxErrors, requestError } from './api-error.js';
import { authenticateRest, type OkxKey } from './auth.js';

export interface OkxRouteContext {
  readonly query: URLSearchParams;
  /** The parsed JSON body of a POST (an object, or a list for batch routes). */
  readonly body: unknown;
  readonly account: string | null;
  readonly now: number;
}

/** A whole-number query parameter (times, ids, limits), or undefined when absent; anything else is 51000. */
export function intParam(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  if (!/^\d{1,19}$/.test(v)) throw okxErrors.param(k);
  return Number(v);
}

export interface OkxReply {
  readonly data: unknown[];
  readonly code?: string;
  readonly msg?: string;
}

export interface OkxRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly private: boolean;
  /** Requests allowed per rate window (2 s on OKX) per API key, or per IP on public routes. */
  readonly limit: number;
  handle(ctx: OkxRouteContext): OkxReply | Promise<OkxReply>;
}

/** A queued failure for the next matching requests (fault injection for tests). */
export interface OkxInjectedFault {
  /** Route filter like `POST /api/v5/trade/batch-orders`; all routes when absent. */
  readonly route?: string;
  readonly status: number;
  readonly code?: string;
  readonly msg?: string;
  readonly delayMs?: number;
  /** Run the handler anyway before answering with the error (a write whose outcome the client cannot know). */
  readonly applyThenFail?: boolean;
  remaining: number;
}

export interface OkxPipelineDeps {
  readonly routes: ReadonlyMap<string, OkxRoute>;
  readonly lookupKey: (apiKey: string) => OkxKey | undefined;
  readonly now: () => number;
  readonly checkTimestamps: boolean;
  readonly rateWindowMs: number;
  /** Multiplies every route's limit (tests lower it to provoke 429s). */
  readonly limitScale: number;
  readonly faults: OkxInjectedFault[];
  readonly statusCounts: Map<number, number>;
  readonly onRequest?:
    | ((method: string, path: string, params: URLSearchParams, body: unknown) => void)
    | undefined;
}

function send(
  deps: OkxPipelineDeps,
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  deps.statusCounts.set(status, (deps.statusCounts.get(status) ?? 0) + 1);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
}

const limiters = new WeakMap<OkxPipelineDeps, Map<string, WeightLimiter>>();

function limiterOf(deps: OkxPipelineDeps, route: OkxRoute): WeightLimiter {
  let byRoute = limiters.get(deps);
  if (!byRoute) {
    byRoute = new Map();
    limiters.set(deps, byRoute);
  }
  let l = byRoute.get(route.path);
  if (!l) {
    l = new WeightLimiter(Math.max(1, Math.floor(route.limit * deps.limitScale)), deps.rateWindowMs);
    byRoute.set(route.path, l);
  }
  return l;
}

export async function handleOkxRequest(
  deps: OkxPipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(req);
    const method = req.method ?? 'GET';
    const routeKey = `${method} ${url.pathname}`;
    const route = deps.routes.get(routeKey);
    if (!route) throw new OkxApiError(404, '404', 'Not Found');
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        throw new OkxApiError(400, '50002', 'JSON syntax error');
      }
    }
    deps.onRequest?.(method, url.pathname, url.searchParams, body);
    const now = deps.now();
    let key: OkxKey | null = null;
    if (route.private)
      key = authenticateRest(
        req.headers,
        method + url.pathname + url.search + rawBody,
        deps.lookupKey,
        now,
        deps.checkTimestamps,
      );
    const taken = limiterOf(deps, route).take(key ? `key:${key.apiKey}` : 'ip:127.0.0.1', 1, now);
    if (!taken.ok) throw new OkxApiError(429, '50011', 'Too Many Requests');
    const fault = takeFault(deps.faults, routeKey);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    const failure = fault
      ? new OkxApiError(fault.status, fault.code ?? '50026', fault.msg ?? 'Injected fault.')
      : null;
    if (failure && !fault?.applyThenFail) throw failure;
    const reply = await route.handle({ query: url.searchParams, body, account: key?.account ?? null, now });
    if (failure) throw failure;
    send(deps, res, 200, JSON.stringify({ code: reply.code ?? '0', msg: reply.msg ?? '', data: reply.data }));
  } catch (err) {
    const e = requestError(err);
    send(deps, res, e.status, e.body(), e.headers as Record<string, string>);
  }
}
