/**
 * User-data-stream listen keys: valid 60 minutes after POST or the last PUT; one active key per account
 * (a POST while one is active returns it and extends it, as Binance does); DELETE invalidates it.
 * `expired(now)` hands out keys whose time ran out, so the server can send `listenKeyExpired` and close.
 */
import { randomBytes } from 'node:crypto';

export const LISTEN_KEY_TTL_MS = 60 * 60_000;

interface Entry {
  readonly key: string;
  readonly account: string;
  expiresAt: number;
}

export class ListenKeys {
  private readonly byKey = new Map<string, Entry>();
  private readonly byAccount = new Map<string, Entry>();

  constructor(private readonly ttlMs = LISTEN_KEY_TTL_MS) {}

  create(account: string, now: number): string {
    const active = this.byAccount.get(account);
    if (active && active.expiresAt > now) {
      active.expiresAt = now + this.ttlMs;
      return active.key;
    }
    if (active) this.remove(active.key);
    const entry: Entry = { key: randomBytes(32).toString('hex'), account, expiresAt: now + this.ttlMs };
    this.byKey.set(entry.key, entry);
    this.byAccount.set(account, entry);
    return entry.key;
  }

  /** Extends the account's active key; false when it has none (Binance -1125). */
  keepAlive(account: string, now: number, key?: string): boolean {
    const entry = key ? this.byKey.get(key) : this.byAccount.get(account);
    if (!entry || entry.account !== account || entry.expiresAt <= now) return false;
    entry.expiresAt = now + this.ttlMs;
    return true;
  }

  close(account: string, key?: string): string | null {
    const entry = key ? this.byKey.get(key) : this.byAccount.get(account);
    if (!entry || entry.account !== account) return null;
    this.remove(entry.key);
    return entry.key;
  }

  /** The account a live key belongs to, or null. */
  accountOf(key: string, now: number): string | null {
    const entry = this.byKey.get(key);
    return entry && entry.expiresAt > now ? entry.account : null;
  }

  /** Removes and returns every key that has expired by `now`. */
  expired(now: number): { key: string; account: string }[] {
    const out: { key: string; account: string }[] = [];
    for (const entry of this.byKey.values()) {
      if (entry.expiresAt <= now) out.push({ key: entry.key, account: entry.account });
    }
    for (const e of out) this.remove(e.key);
    return out;
  }

  /** Forces a key to expire (test support for listenKey expiry). */
  expireNow(key: string, now: number): void {
    const entry = this.byKey.get(key);
    if (entry) entry.expiresAt = now;
  }

  activeKey(account: string): string | null {
    return this.byAccount.get(account)?.key ?? null;
  }

  private remove(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.byKey.delete(key);
    if (this.byAccount.get(entry.account)?.key === key) this.byAccount.delete(entry.account);
  }
}
