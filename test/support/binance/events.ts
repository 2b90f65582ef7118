/** Collects stream events and waits for one that matches, with a bounded wait (no wall-clock assertions). */
export class EventLog<E> {
  readonly events: E[] = [];
  private waiters: { match: (e: E) => boolean; resolve: (e: E) => void }[] = [];

  readonly push = (event: E): void => {
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.match(event)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(event);
      }
    }
  };

  /** Resolves with the first event (already seen or future) matching `match`; rejects after `timeoutMs`. */
  waitFor<T extends E>(match: (e: E) => e is T, timeoutMs?: number): Promise<T>;
  waitFor(match: (e: E) => boolean, timeoutMs?: number): Promise<E>;
  waitFor(match: (e: E) => boolean, timeoutMs = 10_000): Promise<E> {
    const seen = this.events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<E>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x.match !== match);
        reject(
          new Error(`no matching stream event within ${timeoutMs} ms; saw ${this.events.length} events`),
        );
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  count(match: (e: E) => boolean): number {
    return this.events.filter(match).length;
  }

  /** Forget what was seen so far (waiters then only see new events). */
  clear(): void {
    this.events.length = 0;
  }
}
