/**
 * The Logger port as plain JSON lines, for local runs, the CLI and the simulator:
 * `{"level":"INFO","time":"…","message":"…",…fields}`. Same redaction as the Powertools logger (message
 * scrubbed, extras sanitized, the finished line scrubbed once more). Time comes from `now` so the
 * simulator's lines carry virtual time.
 */
import type { LogExtra, Logger } from '../../ports/logger.js';
import { LEVEL_RANK, type LineWriter, type LogLevelName, lineFields, standardError } from './log-lines.js';
import { processRedactor, type Redactor } from './redactor.js';

export interface ConsoleLoggerOptions {
  /** Lines below this level are dropped; default INFO. */
  readonly level?: LogLevelName;
  /** Default: stderr, so a CLI's stdout stays its own. */
  readonly write?: LineWriter;
  /** Milliseconds since the epoch; default wall time. */
  readonly now?: () => number;
  readonly redactor?: Redactor;
  /** Keys on every line. */
  readonly context?: LogExtra;
}

export class JsonConsoleLogger implements Logger {
  readonly #level: LogLevelName;
  readonly #write: LineWriter;
  readonly #now: () => number;
  readonly #redactor: Redactor;
  readonly #context: LogExtra | undefined;

  constructor(options: ConsoleLoggerOptions = {}) {
    this.#level = options.level ?? 'INFO';
    this.#write = options.write ?? standardError;
    this.#now = options.now ?? Date.now;
    this.#redactor = options.redactor ?? processRedactor;
    this.#context = options.context;
  }

  debug(message: string, extra?: LogExtra): void {
    this.#log('DEBUG', message, extra);
  }

  info(message: string, extra?: LogExtra): void {
    this.#log('INFO', message, extra);
  }

  warn(message: string, extra?: LogExtra): void {
    this.#log('WARN', message, extra);
  }

  error(message: string, extra?: LogExtra): void {
    this.#log('ERROR', message, extra);
  }

  child(keys: LogExtra): Logger {
    return new JsonConsoleLogger({
      level: this.#level,
      write: this.#write,
      now: this.#now,
      redactor: this.#redactor,
      context: { ...this.#context, ...keys },
    });
  }

  #log(level: LogLevelName, message: string, extra: LogExtra | undefined): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.#level]) return;
    const line = JSON.stringify({
      level,
      time: new Date(this.#now()).toISOString(),
      message: this.#redactor.scrubText(String(message)),
      ...lineFields(this.#redactor, this.#context, extra),
    });
    this.#write(this.#redactor.scrubValues(line), level);
  }
}
