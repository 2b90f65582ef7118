/**
 * The object store as a directory: each key is a file under `root` (for `gridbot` runs without AWS and the
 * tests that run the sweep item handler on the same inputs as a local sweep). Keys that could leave the
 * directory are refused.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { isSafeObjectKey, type ObjectStore } from '../../ports/object-store.js';

export class UnsafeObjectKeyError extends Error {
  override readonly name = 'UnsafeObjectKeyError';
}

export class FilesystemObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  #path(key: string): string {
    if (!isSafeObjectKey(key))
      throw new UnsafeObjectKeyError(`not a safe object key: ${JSON.stringify(key)}`);
    return join(this.root, ...key.split('/'));
  }

  async read(key: string): Promise<string | null> {
    try {
      return await readFile(this.#path(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async write(key: string, text: string): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    // Whole or not at all, as an S3 PUT: a reader never sees half an object.
    const partial = `${path}.partial-${process.pid}`;
    await writeFile(partial, text);
    await rename(partial, path);
  }

  async list(prefix: string): Promise<string[]> {
    let names: string[];
    try {
      names = (await readdir(this.root, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile() && !d.name.includes('.partial-'))
        .map((d) => relative(this.root, join(d.parentPath, d.name)).split(sep).join('/'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names.filter((k) => k.startsWith(prefix)).sort();
  }
}
