/**
 * The request pipeline of the Lighter protocol server: route lookup (`METHOD /path`, 404 JSON when unknown),
 * the form body of a POST (400 when malformed), the test hook `onRequest`, injected faults, then the route.
 * A route answers the whole JSON body (`{ "code": 200, ... }`); any failure becomes Lighter's error body
 * with its HTTP status (`api-error.ts`).
 *
 * Entry points: `handleLighterRequest`, the `LighterRoute` and `LighterInjectedFault` types, `intParam`.
 * Invariant: an injected fault answers before the route runs, so it leaves the engine (and every nonce)
 * untouched.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { readBody, takeFault } from '../protocol-http.js';
import { lighterErrorOf, lighterErrors } from './api-error.js';
import { type FormFields, parseForm } from './body.js';
import { toJson } from './json.js';

export interface LighterRouteContext {
  readonly query: URLSearchParams;
  /** The fields of a POST body (empty for a GET). */
  readonly form: FormFields;
  readonly headers: IncomingHttpHeaders;
  /** Engine clock, ms. */
  readonly now: number;
}

export interface LighterRoute {
  readonly method: 'GET' | 'POST';
  /** `/api/v1/...`, or `/` for the status route. */
  readonly path: string;
  handle(ctx: LighterRouteContext): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** A queued failure for the next matching requests (fault injection for tests). */
export interface LighterInjectedFault {
  /** Route filter like `POST /api/v1/sendTx`; every route when absent. */
  readonly route?: string | undefined;
  readonly status: number;
  /** The JSON body to answer with (default `{ code: status, message: 'injected fault' }`). */
  readonly body?: unknown;
  remaining: number;
}

export type OnRequest = (method: string, path: string, params: URLSearchParams, body: unknown) => void;

export interface LighterPipelineDeps {
  readonly routes: ReadonlyMap<string, LighterRoute>;
  readonly faults: LighterInjectedFault[];
  readonly statusCounts: Map<number, number>;
  readonly now: () => number;
  readonly onRequest?: OnRequest | undefined;
}

/** A whole-number query parameter; undefined when absent unless required; anything else is a 400. */
export function intParam(
  q: URLSearchParams,
  name: string,
  opts: { required?: boolean; min?: number; max?: number } = {},
): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') {
    if (opts.required) throw lighterErrors.param(name);
    return undefined;
  }
  if (!/^-?\d{1,16}$/.test(v)) throw lighterErrors.param(name);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < (opts.min ?? 0) || n > (opts.max ?? Number.MAX_SAFE_INTEGER))
    throw lighterErrors.param(name);
  return n;
}

function send(deps: LighterPipelineDeps, res: ServerResponse, status: number, body: string): void {
  deps.statusCounts.set(status, (deps.statusCounts.get(status) ?? 0) + 1);
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(body);
}

export async function handleLighterRequest(
  deps: LighterPipelineDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    let form: FormFields = {};
    let malformed: unknown;
    if (method === 'POST') {
      try {
        form = parseForm(req.headers['content-type'], raw);
      } catch (err) {
        malformed = err;
      }
    }
    const params = method === 'POST' ? new URLSearchParams(form) : url.searchParams;
    deps.onRequest?.(method, url.pathname, params, method === 'POST' ? (malformed ? raw : form) : undefined);
    const routeKey = `${method} ${url.pathname}`;
    const route = deps.routes.get(routeKey);
    if (!route) throw lighterErrors.notFound();
    if (malformed) throw malformed;
    const fault = takeFault(deps.faults, routeKey);
    if (fault) {
      send(deps, res, fault.status, toJson(fault.body ?? { code: fault.status, message: 'injected fault' }));
      return;
    }
    const body = await route.handle({ query: url.searchParams, form, headers: req.headers, now: deps.now() });
    send(deps, res, 200, toJson(body));
  } catch (err) {
    const e = lighterErrorOf(err);
    send(deps, res, e.status, toJson(e.body()));
  }
}
