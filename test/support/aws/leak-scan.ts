/**
 * Scans captured output for secret values in every form they could take: plain, URL-encoded,
 * form-encoded, JSON-escaped (once and twice), base64 and base64url, in any letter case.
 */
import { Buffer } from 'node:buffer';

export function secretForms(value: string): string[] {
  const uri = encodeURIComponent(value);
  const json = JSON.stringify(value).slice(1, -1);
  return [
    ...new Set([
      value,
      uri,
      uri.replace(/%20/g, '+'),
      encodeURI(value),
      json,
      JSON.stringify(json).slice(1, -1),
      Buffer.from(value).toString('base64').replace(/=+$/, ''),
      Buffer.from(value).toString('base64url'),
    ]),
  ];
}

/** Every (secret, form) found in `text`; empty when nothing leaked. */
export function findLeaks(text: string, secrets: readonly string[]): { secret: string; form: string }[] {
  const haystack = text.toLowerCase();
  const leaks: { secret: string; form: string }[] = [];
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      if (haystack.includes(form.toLowerCase())) leaks.push({ secret, form });
    }
  }
  return leaks;
}
