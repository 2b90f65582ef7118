/**
 * What the Powertools logger and the console logger share: level names, where lines go, and how the
 * fields of one line are prepared (context merged under the call's extras, reserved names moved aside,
 * everything sanitized by the redactor).
 */
import type { LogExtra } from '../../ports/logger.js';
import type { Redactor } from './redactor.js';

export type LogLevelName = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export const LEVEL_RANK: Readonly<Record<LogLevelName, number>> = { DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20 };

/** Receives each finished, redacted line (no trailing newline). */
export type LineWriter = (line: string, level: LogLevelName) => void;

/** Lines to stdout, warnings and errors to stderr (what Lambda and Fargate log drivers collect). */
export const standardStreams: LineWriter = (line, level) => {
  (level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout).write(`${line}\n`);
};

/** Everything to stderr: keeps stdout free for a CLI command's own output. */
export const standardError: LineWriter = (line) => {
  process.stderr.write(`${line}\n`);
};

/** Collects lines in memory (tests, log scans). */
export class LineRecorder {
  readonly lines: string[] = [];
  readonly write: LineWriter = (line) => {
    this.lines.push(line);
  };
  /** Every line parsed as JSON. */
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/**
 * Names the line itself owns. Powertools drops such extras with a warning; `level` is also a grid word
 * (`{ level: '101.5' }`), so these are renamed `extra_<name>` instead of being lost.
 */
const RESERVED = new Set(['level', 'message', 'sampling_rate', 'service', 'timestamp', 'time']);

export function lineFields(
  redactor: Redactor,
  context: LogExtra | undefined,
  extra: LogExtra | undefined,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const source of [context, extra]) {
    if (source === undefined || source === null) continue;
    for (const [k, v] of Object.entries(source)) merged[RESERVED.has(k) ? `extra_${k}` : k] = v;
  }
  return redactor.sanitizeFields(merged);
}

export function parseLevel(value: string | undefined, fallback: LogLevelName): LogLevelName {
  const v = value?.toUpperCase();
  if (v === 'DEBUG' || v === 'INFO' || v === 'WARN' || v === 'ERROR') return v;
  if (v === 'TRACE') return 'DEBUG';
  if (v === 'CRITICAL') return 'ERROR';
  return fallback;
}
