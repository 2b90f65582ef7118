/**
 * The form fields of a Lighter POST. ccxt 4.5.84 sends `sendTx` as a real `multipart/form-data` body (its
 * `sign()` sets that content type and hands fetch the params object, which fetch turns into a FormData
 * body with its own boundary): one text part per field, `tx_type` and `tx_info`. Lighter's OpenAPI lists
 * the same route as consuming multipart form data; urlencoded and JSON bodies are accepted too.
 *
 * Entry point: `parseForm(contentType, raw)` → field name → text. Anything that is not a well-formed body
 * of its declared type is a `LighterApiError` 400, never an exception of another kind.
 */
import { LighterApiError, lighterErrors } from './api-error.js';

export type FormFields = Readonly<Record<string, string>>;

const MAX_FIELDS = 32;

function boundaryOf(contentType: string): string {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (!b || b.length > 200) throw lighterErrors.malformedBody('multipart boundary missing');
  return b;
}

function parseMultipart(contentType: string, raw: string): Record<string, string> {
  const delimiter = `--${boundaryOf(contentType)}`;
  const sections = raw.split(delimiter);
  // [preamble, part, part, ..., "--" + epilogue]
  if (sections.length < 2 || !sections[sections.length - 1]!.startsWith('--'))
    throw lighterErrors.malformedBody('multipart body is not terminated');
  const out: Record<string, string> = {};
  for (const section of sections.slice(1, -1)) {
    if (!section.startsWith('\r\n') || !section.endsWith('\r\n'))
      throw lighterErrors.malformedBody('multipart part framing');
    const part = section.slice(2, -2);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw lighterErrors.malformedBody('multipart part without headers');
    const headers = part.slice(0, split);
    const name = /content-disposition:\s*form-data;[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) throw lighterErrors.malformedBody('multipart part without a name');
    out[name] = part.slice(split + 4);
  }
  return out;
}

function parseJsonBody(raw: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw lighterErrors.malformedBody('invalid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw lighterErrors.malformedBody('JSON body must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else out[k] = JSON.stringify(v);
  }
  return out;
}

/** The fields of a POST body by its `Content-Type` (an empty body has none). */
export function parseForm(contentType: string | undefined, raw: string): FormFields {
  if (raw.length === 0) return {};
  const type = (contentType ?? '').toLowerCase();
  let fields: Record<string, string>;
  try {
    if (type.startsWith('multipart/form-data')) fields = parseMultipart(contentType!, raw);
    else if (type.startsWith('application/json')) fields = parseJsonBody(raw);
    else if (type.startsWith('application/x-www-form-urlencoded') || type === '')
      fields = Object.fromEntries(new URLSearchParams(raw));
    else throw lighterErrors.malformedBody(`unsupported content type ${JSON.stringify(contentType)}`);
  } catch (err) {
    if (err instanceof LighterApiError) throw err;
    throw lighterErrors.malformedBody('unreadable');
  }
  if (Object.keys(fields).length > MAX_FIELDS) throw lighterErrors.malformedBody('too many fields');
  return fields;
}
