/**
 * The REST side of the protocol server: a route table keyed by `METHOD /path`, and the request pipeline
 * every call goes through, in Binance's order: route lookup (404), API key (-2014 / -2015), signature
 * (-1022), timestamp window (-1021), request weight (429 + Retry-After), injected faults, then the handler.
 * Responses carry `X-MBX-USED-WEIGHT-1M` (and order counts on order endpoints) like the venue's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, takeFault } from '../protocol-http.js';
import { apiErrors, BinanceApiError } from './api-error.js';
import { checkTimestamp, verifySignature } from './auth.js';
import type { WeightLimiter } from './rate-limit.js';

export type Security = 'none' | 'apiKey' | 'signed';

export interface RouteContext {
  readonly params: URLSearchParams;
  /** The account the API key belongs to (null on public routes without a key). */
  readonly account: string | null;
  readonly now: number;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly security: Security;
  readonly weight: number | ((params: URLSearchParams) => number);
  /** Counts toward the order-rate headers (order placement endpoints). */
  readonly order?: boolean;
  handle(ctx: RouteContext): unknown | Promise<unknown>;
}

export interface ApiKeyEntry {
  readonly apiKey: string;
  readonly secret: string;
  readonly account: string;
}

/** A queued failure for the next matching requests (fault injection for tests). */
export interface InjectedFault {
  /** Route filter like `POST /fapi/v1/order`; all routes when absent. */
  readonly route?: string;
  readonly status: number;
  readonly code?: number;
  readonly msg?: string;
  /** Hold the request this long first (timeouts). */
  readonly delayMs?: number;
  /** Run the handler anyway before answering with the error (a write whose outcome the client cannot know). */
  readonly applyThenFail?: boolean;
  /** No error at all: the request is only held `delayMs`, then answered (a slow network). */
  readonly slowOnly?: boolean;
  remaining: number;
}

export interface PipelineDeps {
  readonly routes: ReadonlyMap<string, Route>;
  /** The secret and account of an API key, or undefined when the key is unknown. */
  readonly lookupKey: (apiKey: string) => ApiKeyEntry | undefined;
  readonly limiter: WeightLimiter;
  /** Order-rate counters (10 s and 1 min windows) for the `X-MBX-ORDER-COUNT-*` headers. */
  readonly orderCounts?: { readonly tenSeconds: WeightLimiter; readonly minute: WeightLimiter } | undefined;
  readonly now: () => number;
  readonly faults: InjectedFault[];
  readonly recvWindowMs?: number;
  /** Off for a simulator on a virtual clock, whose time jumps ahead of any client's. */
  readonly checkTimestamps?: boolean | undefined;
  /** Answers per HTTP status, for tests and benchmarks. */
  readonly statusCounts: Map<number, number>;
  /** Called with every request seen (method, path, params) for request-capture assertions. */
  readonly onRequest?: (method: string, path: string, params: URLSearchParams) => void;
}

function send(
  deps: PipelineDeps,
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  deps.statusCounts.set(status, (deps.statusCounts.get(status) ?? 0) + 1);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
  res.end(body);
}

export async function handleRequest(
  deps: PipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const headers: Record<string, string> = {};
  try {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const rawBody = await readBody(req);
    const routeKey = `${req.method} ${url.pathname}`;
    const route = deps.routes.get(routeKey);
    if (!route) throw apiErrors.unknownPath();
    const params = new URLSearchParams(rawQuery);
    for (const [k, v] of new URLSearchParams(rawBody)) params.append(k, v);
    deps.onRequest?.(req.method ?? 'GET', url.pathname, params);
    const now = deps.now();

    const apiKey = req.headers['x-mbx-apikey'];
    let account: string | null = null;
    if (typeof apiKey === 'string' && apiKey.length > 0) {
      const entry = deps.lookupKey(apiKey);
      if (!entry) {
        if (route.security !== 'none') throw apiErrors.rejectedApiKey();
      } else {
        account = entry.account;
        if (route.security === 'signed') {
          verifySignature(rawQuery, rawBody, entry.secret);
          if (deps.checkTimestamps !== false) checkTimestamp(params, now, deps.recvWindowMs);
        }
      }
    } else if (route.security !== 'none') {
      throw apiErrors.apiKeyFormat();
    }

    const weight = typeof route.weight === 'function' ? route.weight(params) : route.weight;
    const limitKey = typeof apiKey === 'string' && account ? `key:${apiKey}` : 'ip:127.0.0.1';
    const taken = deps.limiter.take(limitKey, weight, now);
    if (!taken.ok) {
      const retryAfterSec = Math.ceil(taken.retryAfterMs / 1000);
      headers['X-MBX-USED-WEIGHT-1M'] = String(deps.limiter.usedWeight(limitKey, now));
      throw apiErrors.tooManyRequests(deps.limiter.limitPerMinute, retryAfterSec);
    }
    headers['X-MBX-USED-WEIGHT-1M'] = String(taken.used);
    if (route.order && deps.orderCounts) {
      const ten = deps.orderCounts.tenSeconds.take(limitKey, 1, now);
      const minute = deps.orderCounts.minute.take(limitKey, 1, now);
      if (ten.ok) headers['X-MBX-ORDER-COUNT-10S'] = String(ten.used);
      if (minute.ok) headers['X-MBX-ORDER-COUNT-1M'] = String(minute.used);
    }

    const fault = takeFault(deps.faults, routeKey);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    const failing = fault && !fault.slowOnly ? fault : undefined;
    if (failing && !failing.applyThenFail) {
      throw new BinanceApiError(failing.status, failing.code ?? -1000, failing.msg ?? 'Injected fault.');
    }
    const result = await route.handle({ params, account, now });
    if (failing)
      throw new BinanceApiError(failing.status, failing.code ?? -1000, failing.msg ?? 'Injected fault.');
    send(deps, res, 200, JSON.stringify(result), headers);
  } catch (err) {
    const apiErr = toApiError(err);
    send(deps, res, apiErr.status, apiErr.body(), { ...headers, ...apiErr.headers });
  }
}

/** Engine errors carry `code`, `msg` and `httpStatus` (Binance's body); anything else is a -1000. */
export function toApiError(err: unknown): BinanceApiError {
  if (err instanceof BinanceApiError) return err;
  if (err && typeof err === 'object' && 'code' in err && 'msg' in err) {
    const e = err as { code: unknown; msg: unknown; httpStatus?: unknown };
    if (typeof e.code === 'number' && typeof e.msg === 'string') {
      return new BinanceApiError(typeof e.httpStatus === 'number' ? e.httpStatus : 400, e.code, e.msg);
    }
  }
  return apiErrors.unknown();
}
