/**
 * What the simulator needs to keep virtual time honest: it must know when the application has finished
 * reacting to a step before it takes the next one. Store calls (real I/O against the embedded DynamoDB)
 * are the only waits that do not run on the virtual clock, so every store call is counted while in
 * flight; `settle()` returns once none is and every queued continuation has run. By default store calls
 * also run one at a time, in call order, so overlapping work interleaves identically on every store.
 * Store and exchange calls are also timed, for the benchmark's split of where a replay spends its time.
 * (Paper exchange calls answer at once, or after a delay on the virtual clock: timed, never waited for.)
 */
import type { ExchangePort } from '../../ports/exchange.js';
import type { StateStore } from '../../ports/state-store.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class InFlight {
  /** Turns of the event loop waited for (a settle's, a store answer's): ~5–10 µs each on this machine. */
  turns = 0;
  #count = 0;
  #idle: (() => void)[] = [];
  readonly #serial: boolean;
  #queue: Promise<unknown> = Promise.resolve();
  storeMs = 0;
  storeCalls = 0;
  exchangeMs = 0;
  exchangeCalls = 0;

  /**
   * `serialStore`: store calls run one at a time, in the order they were made, each answer delivered on a
   * fresh turn of the event loop. Work that overlaps (two instances answering fills of one candle, a fill
   * arriving while recon runs) then interleaves the same way whatever the store's latency, so dynalite and
   * memory give the same run.
   */
  constructor(options: { serialStore?: boolean } = {}) {
    this.#serial = options.serialStore ?? true;
  }

  #trackStore<T>(call: () => Promise<T>): Promise<T> {
    this.#count += 1;
    const timed = async (): Promise<T> => {
      const started = performance.now();
      try {
        return await call();
      } finally {
        this.storeMs += performance.now() - started;
        this.storeCalls += 1;
      }
    };
    let result: Promise<T>;
    if (this.#serial) {
      result = this.#queue.then(async () => {
        try {
          return await timed();
        } finally {
          this.turns += 1;
          await tick();
        }
      });
      this.#queue = result.catch(() => undefined);
    } else {
      result = timed();
    }
    return result.finally(() => {
      this.#count -= 1;
      if (this.#count === 0) for (const wake of this.#idle.splice(0)) wake();
    });
  }

  /** Exchange calls are only timed: the paper exchange answers on the virtual clock, never on I/O. */
  async #timeExchange<T>(call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.exchangeMs += performance.now() - started;
      this.exchangeCalls += 1;
    }
  }

  /** Resolves once nothing is in flight and continuations queued by the last answers have run. */
  async settle(): Promise<void> {
    for (;;) {
      this.turns += 1;
      await tick();
      if (this.#count === 0) return;
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
  }

  store(store: StateStore): StateStore {
    return wrapMethods(store, (call) => this.#trackStore(call));
  }

  exchange(port: ExchangePort): ExchangePort {
    return wrapMethods(port, (call) => this.#timeExchange(call));
  }
}

function wrapMethods<T extends object>(target: T, track: <R>(call: () => Promise<R>) => Promise<R>): T {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, key) {
      const value = Reflect.get(obj, key, obj) as unknown;
      if (typeof value !== 'function') return value;
      let wrapped = cache.get(key);
      if (!wrapped) {
        const fn = value as (...args: unknown[]) => unknown;
        wrapped = (...args: unknown[]) => track(() => Promise.resolve(fn.apply(obj, args)));
        cache.set(key, wrapped);
      }
      return wrapped;
    },
  });
}
