/**
 * Where a distributed sweep keeps its inputs and results: text objects under `/`-separated keys (an S3
 * bucket on AWS, a directory on a laptop and in tests). A missing object is an answer (`null`), not an
 * error; anything else the store cannot do is thrown by the adapter.
 */
export interface ObjectStore {
  /** The object's text, or null when there is no object under `key`. */
  read(key: string): Promise<string | null>;
  /** Writes (or replaces) the object under `key`. */
  write(key: string, text: string, contentType?: string): Promise<void>;
  /** Every key that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

/** A key that could escape its store (`..`, a leading `/`, an empty segment) or is not plain text. */
export function isSafeObjectKey(key: string): boolean {
  if (key.length === 0 || key.length > 1024 || key.startsWith('/')) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  if (/[\u0000-\u001f\\]/.test(key)) return false;
  return key.split('/').every((s) => s.length > 0 && s !== '.' && s !== '..');
}
