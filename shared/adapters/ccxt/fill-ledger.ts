/**
 * What the user stream has delivered so far: the last trade per symbol (where a REST resync resumes) and a
 * bounded set of recent trade ids, so a fill seen twice (a duplicated push, or the resync overlapping the
 * stream) is delivered once.
 */
import type { Fill, FillCursor } from '../../domain/orders.js';

/** Numeric trade ids compare as integers (Binance, OKX); anything else by time, then id text. */
export function compareCursor(a: FillCursor, b: FillCursor): number {
  if (/^\d+$/.test(a.tradeId) && /^\d+$/.test(b.tradeId)) {
    const x = BigInt(a.tradeId);
    const y = BigInt(b.tradeId);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a.time - b.time || (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0);
}

export class FillLedger {
  private readonly recent = new Set<string>();
  /** Per symbol: the last trade seen, or null when the account had none when we started. */
  private readonly cursors = new Map<string, FillCursor | null>();

  constructor(private readonly maxRecent: number) {}

  /** Records a fill; false when it was delivered before. */
  accept(fill: Fill): boolean {
    const key = `${fill.symbol}|${fill.tradeId}`;
    if (this.recent.has(key)) return false;
    this.recent.add(key);
    if (this.recent.size > this.maxRecent) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    const cursor: FillCursor = { time: fill.time, tradeId: fill.tradeId };
    const prev = this.cursors.get(fill.symbol);
    if (!prev || compareCursor(cursor, prev) > 0) this.cursors.set(fill.symbol, cursor);
    return true;
  }

  /** Starts a symbol at the account's latest trade (null: none), so older trades are never replayed. */
  seed(symbol: string, latest: Fill | undefined): void {
    if (this.cursors.has(symbol)) return;
    this.cursors.set(symbol, null);
    if (latest) this.accept(latest);
  }

  isSeeded(symbol: string): boolean {
    return this.cursors.has(symbol);
  }

  cursor(symbol: string): FillCursor | null {
    return this.cursors.get(symbol) ?? null;
  }

  symbols(): string[] {
    return [...this.cursors.keys()];
  }
}
