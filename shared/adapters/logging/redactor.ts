/**
 * Redaction shared by every logger, the notifiers and anything else that writes text a human may read.
 *
 * Entry points:
 *  - `register(values)` / `registerCredentials(c)`: secret VALUES known at run time (API keys, secrets,
 *    passwords, listen keys). Call it as soon as credentials are loaded (`registeringSecrets` does).
 *  - `scrubText(s)`: removes registered values (plain, URL-encoded, form-encoded, JSON-escaped, base64 and
 *    base64url also when the value sat at any byte offset of the encoded data; any letter case; also when a
 *    line break, with its indentation, or an escaped `\n` splits the value), `name=value` / `name: value` pairs and `"name": "value"` JSON fragments whose name is
 *    secret-shaped, and long opaque tokens.
 *  - `sanitize(x)`: a JSON-safe deep copy of `x` in which every secret-shaped key's value is `[redacted]`
 *    (nested, in arrays, in Error properties and causes) and every string went through `scrubText`.
 *
 * Invariant: output of `sanitize` and `scrubText` contains no registered value in any of the encodings
 * above. Over-redaction is accepted; a leak is not.
 */
import { Buffer } from 'node:buffer';
import { Credentials } from '../../ports/secrets.js';
import { LONG_TOKEN, mustRedactField, TEXT_ASSIGNMENT, TEXT_JSON_FIELD } from './secret-keys.js';

export const REDACTED = '[redacted]';
const MAX_DEPTH = 12;
/** Shorter values would redact ordinary words; `Credentials.secretValues()` applies the same floor. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  readonly #values = new Set<string>();
  #pattern: RegExp | null = null;
  readonly #longTokens: boolean;

  constructor(options: { redactLongTokens?: boolean } = {}) {
    this.#longTokens = options.redactLongTokens ?? true;
  }

  /** How many distinct secret values are registered. */
  get size(): number {
    return this.#values.size;
  }

  register(values: Iterable<string>): void {
    let added = false;
    for (const v of values) {
      if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH) continue;
      for (const form of encodings(v)) {
        if (!this.#values.has(form)) {
          this.#values.add(form);
          added = true;
        }
      }
    }
    if (added) this.#pattern = buildPattern(this.#values);
  }

  registerCredentials(credentials: Credentials): void {
    this.register(credentials.secretValues());
  }

  scrubText(text: string): string {
    let out = this.scrubValues(text);
    out = out.replace(
      TEXT_JSON_FIELD,
      (whole, q: string, name: string, colon: string, vq: string, value: string) =>
        mustRedactField(name, value) ? `${q}${name}${q}${colon}${vq}${REDACTED}${vq}` : whole,
    );
    out = out.replace(
      TEXT_ASSIGNMENT,
      (whole, name: string, sep: string, scheme: string | undefined, value: string) =>
        mustRedactField(name, value) ? `${name}${sep}${scheme ?? ''}${REDACTED}` : whole,
    );
    return out;
  }

  /** Only the registered values and long tokens: the last pass over a fully serialized line. */
  scrubValues(text: string): string {
    const out = this.scrubRegistered(text);
    return this.#longTokens ? out.replace(LONG_TOKEN, REDACTED) : out;
  }

  /** Only the registered values: for documents (reports) whose other long strings are data, not secrets. */
  scrubRegistered(text: string): string {
    return this.#pattern === null ? text : text.replace(this.#pattern, REDACTED);
  }

  sanitize(value: unknown): unknown {
    return this.#sanitize(value, 0, new WeakSet());
  }

  /** `sanitize` for a record of fields (log extras, alert data). */
  sanitizeFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return this.#sanitizeObject(fields, 0, new WeakSet());
  }

  #sanitize(value: unknown, depth: number, seen: WeakSet<object>): unknown {
    switch (typeof value) {
      case 'string':
        return this.scrubText(value);
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'boolean':
      case 'undefined':
        return value;
      case 'bigint':
        return value.toString();
      case 'symbol':
        return this.scrubText(value.toString());
      case 'function':
        return `[function ${value.name || 'anonymous'}]`;
    }
    if (value === null) return null;
    const obj = value as object;
    if (obj instanceof Credentials) return obj.toJSON();
    if (seen.has(obj)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    seen.add(obj);
    try {
      if (obj instanceof Error) return this.#sanitizeError(obj, depth, seen);
      if (Array.isArray(obj)) return obj.map((v) => this.#sanitize(v, depth + 1, seen));
      if (obj instanceof Uint8Array) return `[${obj.byteLength} bytes]`;
      if (obj instanceof Map) {
        const fields: Record<string, unknown> = {};
        for (const [k, v] of obj) fields[String(k)] = v;
        return this.#sanitizeObject(fields, depth, seen);
      }
      if (obj instanceof Set) return [...obj].map((v) => this.#sanitize(v, depth + 1, seen));
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return this.#sanitize(toJSON.call(obj), depth + 1, seen);
      return this.#sanitizeObject(obj as Record<string, unknown>, depth, seen);
    } finally {
      seen.delete(obj);
    }
  }

  #sanitizeObject(obj: Readonly<Record<string, unknown>>, depth: number, seen: WeakSet<object>) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) {
      const safeKey = this.scrubValues(key);
      out[safeKey] =
        mustRedactField(key, v) && v !== undefined ? REDACTED : this.#sanitize(v, depth + 1, seen);
    }
    return out;
  }

  #sanitizeError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.scrubText(String(error.name)),
      message: this.scrubText(String(error.message)),
    };
    if (error.stack !== undefined) out.stack = this.scrubText(String(error.stack));
    const rest = this.#sanitizeObject(ownFields(error), depth, seen);
    for (const [k, v] of Object.entries(rest)) if (!(k in out)) out[k] = v;
    if (error.cause !== undefined) out.cause = this.#sanitize(error.cause, depth + 1, seen);
    if (error instanceof AggregateError) {
      out.errors = (error.errors as unknown[]).map((e) => this.#sanitize(e, depth + 1, seen));
    }
    return out;
  }
}

/** The process-wide redactor: loggers and notifiers use it unless given another. */
export const processRedactor = new Redactor();

function ownFields(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === 'cause' || key === 'errors') continue;
    out[key] = (error as unknown as Record<string, unknown>)[key];
  }
  return out;
}

/** Every form in which a value may show up in text we write. */
function encodings(value: string): string[] {
  const uri = encodeURIComponent(value);
  const forms = [
    value,
    uri,
    uri.replace(/%20/g, '+'),
    encodeURI(value),
    JSON.stringify(value).slice(1, -1),
    JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1),
    Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''),
    Buffer.from(value, 'utf8').toString('base64url'),
    ...base64Cores(value),
  ];
  return [...new Set(forms)].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Shorter cores could match ordinary base64 by chance. */
const MIN_BASE64_CORE = 8;

/**
 * The base64 (and base64url) characters that encode `value` whatever precedes and follows it in the encoded
 * data: for each of the three byte offsets modulo 3, the whole groups holding only bytes of the value. A
 * secret inside a larger encoded blob (a Basic header, a signed payload) shows up as one of these.
 */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const cores: string[] = [];
  for (const shift of [0, 1, 2]) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes]);
    const whole = Math.floor(shifted.length / 3) * 4;
    const core = shifted.toString('base64').slice(shift === 0 ? 0 : 4, whole);
    if (core.length >= MIN_BASE64_CORE) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/** Between any two characters of a value: nothing, a line break with its indentation, or an escaped one. */
const SPLIT = '(?:\\r?\\n[ \\t]*|(?:\\\\r)?\\\\n)?';

function buildPattern(values: Set<string>): RegExp {
  // Longest first, so a value that contains another is removed whole.
  const alternatives = [...values]
    .sort((a, b) => b.length - a.length)
    .map((v) => [...v].map(escapeRegExp).join(SPLIT));
  return new RegExp(alternatives.join('|'), 'gi');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
