/**
 * How an alert reads in an e-mail: a subject SNS accepts (ASCII, one line, under 100 characters) and a
 * plain-text body with instance, severity, code, message, time and data. Both go through the redactor.
 */
import { Buffer } from 'node:buffer';
import type { Alert } from '../../domain/commands.js';
import type { Redactor } from '../logging/redactor.js';

/** SNS wants subjects "less than 100 characters"; 99 satisfies every reading of that. */
export const MAX_SUBJECT_LENGTH = 99;
/** SNS caps a message at 256 KiB; leave room for the envelope. */
export const MAX_MESSAGE_BYTES = 250 * 1024;

export function alertSubject(alert: Alert, redactor: Redactor, prefix = 'gridbot'): string {
  const raw = `${prefix} ${alert.severity.toUpperCase()} ${alert.instanceId}: ${alert.code}`;
  const ascii = redactor
    .scrubText(raw)
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7E]/g, '?')
    .trim();
  return ascii.length <= MAX_SUBJECT_LENGTH ? ascii : `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}

/** The e-mail text; the whole of it goes through `scrubText`, so no field can carry a secret out. */
export function alertBody(alert: Alert, redactor: Redactor, time?: number): string {
  const data = redactor.sanitizeFields(alert.data ?? {});
  const lines = [
    `[${alert.severity.toUpperCase()}] ${alert.code} on instance ${alert.instanceId}`,
    '',
    alert.message,
    '',
    `instance: ${alert.instanceId}`,
    `severity: ${alert.severity}`,
    `code: ${alert.code}`,
    ...(time === undefined ? [] : [`time: ${new Date(time).toISOString()}`]),
  ];
  const entries = Object.entries(data);
  if (entries.length > 0) {
    lines.push('data:');
    for (const [k, v] of entries) lines.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return truncateBytes(redactor.scrubText(lines.join('\n')), MAX_MESSAGE_BYTES);
}

function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  const marker = '\n[truncated]';
  let cut = text.slice(0, max - marker.length);
  while (Buffer.byteLength(cut, 'utf8') > max - marker.length) cut = cut.slice(0, -1024);
  return `${cut}${marker}`;
}
