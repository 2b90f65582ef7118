/**
 * The proxy pool (SPEC §5, seed 004): proxies named once under `proxies`, accounts assigned to them
 * explicitly (`accounts[].proxy: <id>`) or in turn (`proxy_assignment: round_robin`), and, with
 * `proxy_failover`, the rest of the pool as each account's fallbacks in order. A proxy's login is a secret
 * (`auth: true`: Secrets Manager `gridbot/proxy/<id>` holding `{"username","password"}`, or
 * `GRIDBOT_PROXY_<ID>_USERNAME` / `_PASSWORD` locally), never part of the config: a URL with a login in it is
 * refused. Every REST call and stream of an account goes through its proxy.
 */
import { z } from 'zod';

export const PROXY_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,30}$/;

const proxyUrl = z.string().superRefine((text, ctx) => {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a proxy URL, e.g. "http://10.0.0.5:3128" or "socks5://10.0.0.5:1080"',
    });
    return;
  }
  if (!['http:', 'https:', 'socks5:', 'socks5h:'].includes(u.protocol))
    ctx.addIssue({ code: 'custom', message: `must be an http, https or socks5 proxy (got "${u.protocol}")` });
  if (u.username || u.password)
    ctx.addIssue({
      code: 'custom',
      message:
        'must not carry a login: set `auth: true` and put {"username","password"} in the proxy\'s secret (locally GRIDBOT_PROXY_<ID>_USERNAME / _PASSWORD)',
    });
  if (!u.port) ctx.addIssue({ code: 'custom', message: 'must name its port, e.g. ":3128"' });
  if (u.pathname !== '/' && u.pathname !== '')
    ctx.addIssue({ code: 'custom', message: 'must be only scheme, host and port' });
});

export const proxySchema = z
  .object({
    id: z
      .string()
      .regex(PROXY_ID_PATTERN, { message: 'must be lowercase letters, digits or "-", e.g. "tokyo-1"' })
      .describe('Proxy id accounts refer to (`accounts[].proxy`).'),
    url: proxyUrl.describe(
      'Proxy URL: scheme, host and port only, e.g. `http://10.0.0.5:3128` or `socks5://10.0.0.5:1080`.',
    ),
    /** The proxy asks for a login, kept in its secret. */
    auth: z.boolean().default(false),
    secret_name: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, {
        message: 'must be a Secrets Manager name, e.g. "gridbot/proxy/tokyo-1"',
      })
      .optional()
      .describe('Secrets Manager secret holding `{"username","password"}`; default `gridbot/proxy/<id>`.'),
  })
  .strict();

export type ProxyConfig = z.infer<typeof proxySchema>;

export function proxySecretNameOf(p: ProxyConfig): string {
  return p.secret_name ?? `gridbot/proxy/${p.id}`;
}

/** What the deployment says of proxies (the fields `deploymentConfigSchema` adds). */
export interface ProxyPool {
  readonly proxies: readonly ProxyConfig[];
  readonly proxy_assignment: 'explicit' | 'round_robin';
  readonly proxy_failover: boolean;
  readonly accounts: readonly { readonly id: string; readonly proxy?: string | object | undefined }[];
}

/**
 * Each account's proxies in the order it uses them (the first; then, with failover, the rest of the pool
 * from the one after it), by account id. Accounts with no proxy of the pool are absent.
 */
export function proxyPlan(pool: ProxyPool): Map<string, ProxyConfig[]> {
  const out = new Map<string, ProxyConfig[]>();
  const byId = new Map(pool.proxies.map((p) => [p.id, p]));
  let turn = 0;
  for (const a of pool.accounts) {
    let first: ProxyConfig | undefined;
    if (typeof a.proxy === 'string') first = byId.get(a.proxy);
    else if (a.proxy === undefined && pool.proxy_assignment === 'round_robin' && pool.proxies.length > 0) {
      first = pool.proxies[turn % pool.proxies.length];
      turn += 1;
    }
    if (!first) continue;
    const at = pool.proxies.indexOf(first);
    const rest = pool.proxy_failover ? [...pool.proxies.slice(at + 1), ...pool.proxies.slice(0, at)] : [];
    out.set(a.id, [first, ...rest]);
  }
  return out;
}
