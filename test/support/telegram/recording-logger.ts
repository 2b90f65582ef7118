/**
 * A Logger that keeps every line as given (no redaction), so a test can assert that an adapter itself never
 * hands a secret to its logger.
 *
 * Entry points: `RecordingLogger` (`lines`, `text()`, `messages(level?)`).
 */
import type { LogExtra, Logger } from '../../../shared/ports/logger.js';

export interface RecordedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: LogExtra | undefined;
}

export class RecordingLogger implements Logger {
  readonly lines: RecordedLine[];
  readonly #context: LogExtra;

  constructor(lines: RecordedLine[] = [], context: LogExtra = {}) {
    this.lines = lines;
    this.#context = context;
  }

  debug(message: string, extra?: LogExtra): void {
    this.#add('debug', message, extra);
  }

  info(message: string, extra?: LogExtra): void {
    this.#add('info', message, extra);
  }

  warn(message: string, extra?: LogExtra): void {
    this.#add('warn', message, extra);
  }

  error(message: string, extra?: LogExtra): void {
    this.#add('error', message, extra);
  }

  child(keys: LogExtra): Logger {
    return new RecordingLogger(this.lines, { ...this.#context, ...keys });
  }

  /** Every line as one JSON text (to search for secrets). */
  text(): string {
    return JSON.stringify(this.lines);
  }

  messages(level?: RecordedLine['level']): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => l.message);
  }

  #add(level: RecordedLine['level'], message: string, extra: LogExtra | undefined): void {
    this.lines.push({ level, message, extra: { ...this.#context, ...extra } });
  }
}
