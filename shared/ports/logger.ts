/**
 * Structured logging. Messages are fixed text; facts go in `extra`, where the adapter redacts every
 * secret-shaped key (api key, secret, password, signature, listenKey). Secrets never enter message strings.
 */
export type LogExtra = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, extra?: LogExtra): void;
  info(message: string, extra?: LogExtra): void;
  warn(message: string, extra?: LogExtra): void;
  error(message: string, extra?: LogExtra): void;
  /** A logger that adds `keys` to every line (per-event context). */
  child(keys: LogExtra): Logger;
}
