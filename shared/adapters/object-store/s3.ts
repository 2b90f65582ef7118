/**
 * The object store as one S3 bucket (the sweep bucket of the `<name>-sweep` stack). A missing key reads as
 * null; every other failure is thrown as `ObjectStoreError`, naming the bucket and the key, with the SDK's
 * error as its cause.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectStore } from '../../ports/object-store.js';

export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
}

export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;

  constructor(
    client: S3Client,
    readonly bucket: string,
  ) {
    this.#client = client;
  }

  async read(key: string): Promise<string | null> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToString('utf-8')) ?? '';
    } catch (e) {
      if (e instanceof NoSuchKey || (e as { name?: string }).name === 'NoSuchKey') return null;
      throw new ObjectStoreError(`cannot read s3://${this.bucket}/${key}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async write(key: string, text: string, contentType = 'application/json'): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: contentType }),
      );
    } catch (e) {
      throw new ObjectStoreError(`cannot write s3://${this.bucket}/${key}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw new ObjectStoreError(`cannot list s3://${this.bucket}/${prefix}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return keys.sort();
  }
}
