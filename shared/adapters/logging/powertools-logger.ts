/**
 * The Logger port on Powertools Logger (structured JSON lines for CloudWatch, Lambda context keys, log
 * level from `POWERTOOLS_LOG_LEVEL` / `AWS_LAMBDA_LOG_LEVEL`).
 *
 * Redaction, in two layers:
 *  1. Before Powertools sees anything, the message goes through `scrubText` and the extras through
 *     `sanitize` (secret-shaped keys → `[redacted]`, registered secret values removed, Errors flattened
 *     with their causes).
 *  2. Every serialized line goes through `scrubValues` once more before it is written, which also covers
 *     what Powertools adds itself (persistent keys, context).
 *
 * `child(keys)` adds keys to every line of the child (appendKeys-style per-event context) without
 * creating a Powertools logger per event.
 */
import { type LogItem, Logger as PowertoolsBaseLogger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import type { LogExtra, Logger } from '../../ports/logger.js';
import { LEVEL_RANK, type LineWriter, type LogLevelName, lineFields, standardStreams } from './log-lines.js';
import { processRedactor, type Redactor } from './redactor.js';

export interface PowertoolsLoggerOptions {
  /** The `service` key of every line; default `gridbot`. */
  readonly serviceName?: string;
  /** Default: from `POWERTOOLS_LOG_LEVEL` / `AWS_LAMBDA_LOG_LEVEL`, else INFO. */
  readonly level?: LogLevelName;
  /** Keys on every line (function name, account). Sanitized like any extra. */
  readonly persistentKeys?: LogExtra;
  /** Default: the process-wide redactor, where secrets are registered at startup. */
  readonly redactor?: Redactor;
  /** Default: stdout (warnings and errors to stderr). Tests pass a `LineRecorder`'s `write`. */
  readonly write?: LineWriter;
}

interface Output {
  readonly write: LineWriter;
  readonly redactor: Redactor;
}

/** Powertools' constructor prints buffered warnings before our fields exist; this carries the output. */
let constructingOutput: Output | undefined;

class WritingPowertoolsLogger extends PowertoolsBaseLogger {
  declare readonly output: Output;

  constructor(options: ConstructorOptions, output: Output) {
    constructingOutput = output;
    try {
      super(options);
    } finally {
      constructingOutput = undefined;
    }
    this.output = output;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    const output = this.output ?? constructingOutput;
    log.prepareForPrint();
    const line = JSON.stringify(log.getAttributes(), this.getJsonReplacer());
    output.write(output.redactor.scrubValues(line), levelName(logLevel));
  }

  protected override createLogger(options?: ConstructorOptions): PowertoolsBaseLogger {
    return new WritingPowertoolsLogger(options ?? {}, this.output);
  }
}

function levelName(threshold: number): LogLevelName {
  if (threshold >= 20) return 'ERROR';
  if (threshold >= 16) return 'WARN';
  if (threshold >= 12) return 'INFO';
  return 'DEBUG';
}

export class PowertoolsLogger implements Logger {
  readonly #base: PowertoolsBaseLogger;
  readonly #redactor: Redactor;
  readonly #context: LogExtra | undefined;

  constructor(
    options: PowertoolsLoggerOptions = {},
    shared?: { base: PowertoolsBaseLogger; context: LogExtra },
  ) {
    this.#redactor = options.redactor ?? processRedactor;
    this.#context = shared?.context;
    if (shared) {
      this.#base = shared.base;
      return;
    }
    const output: Output = { write: options.write ?? standardStreams, redactor: this.#redactor };
    this.#base = new WritingPowertoolsLogger(
      {
        serviceName: options.serviceName ?? 'gridbot',
        ...(options.level ? { logLevel: options.level } : {}),
      },
      output,
    );
    if (options.persistentKeys) {
      this.#base.appendPersistentKeys(lineFields(this.#redactor, undefined, options.persistentKeys));
    }
  }

  /** The Powertools logger underneath, e.g. for `addContext(lambdaContext)` in a handler. */
  get powertools(): PowertoolsBaseLogger {
    return this.#base;
  }

  debug(message: string, extra?: LogExtra): void {
    if (this.#enabled('DEBUG')) this.#base.debug(this.#message(message), this.#fields(extra));
  }

  info(message: string, extra?: LogExtra): void {
    if (this.#enabled('INFO')) this.#base.info(this.#message(message), this.#fields(extra));
  }

  warn(message: string, extra?: LogExtra): void {
    if (this.#enabled('WARN')) this.#base.warn(this.#message(message), this.#fields(extra));
  }

  error(message: string, extra?: LogExtra): void {
    if (this.#enabled('ERROR')) this.#base.error(this.#message(message), this.#fields(extra));
  }

  child(keys: LogExtra): Logger {
    return new PowertoolsLogger(
      { redactor: this.#redactor },
      { base: this.#base, context: { ...this.#context, ...keys } },
    );
  }

  /** Skips the redaction work for lines the level would drop anyway. */
  #enabled(level: LogLevelName): boolean {
    return LEVEL_RANK[level] >= (LEVEL_RANK[this.#base.getLevelName() as LogLevelName] ?? 0);
  }

  #message(message: string): string {
    return this.#redactor.scrubText(String(message));
  }

  #fields(extra: LogExtra | undefined): Record<string, unknown> {
    return lineFields(this.#redactor, this.#context, extra);
  }
}
