/**
 * The sweep item Lambda (`functions/sweep-item`): the Distributed Map of `gridbot sweep --aws` hands it one
 * item (`domain/sweep/work-items.ts`); it runs that one combination (`sweep/item.ts`) and answers with
 * where the result row is. The store is the bucket in `GRIDBOT_SWEEP_BUCKET`, or, to run the same handler
 * on a laptop or in a test, the directory in `GRIDBOT_SWEEP_DIR`.
 *
 * A malformed item or missing inputs fail the item without a retry (Step Functions counts it against the
 * tolerated failures); a simulation that fails is a row with its error, as in a local sweep.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PowertoolsLogger } from '../adapters/logging/index.js';
import { FilesystemObjectStore } from '../adapters/object-store/filesystem.js';
import { describeIssues } from '../domain/config/format-error.js';
import { sweepItemSchema } from '../domain/sweep/work-items.js';
import type { ObjectStore } from '../ports/object-store.js';
import { runSweepItem, SweepItemError, type SweepItemOutcome } from './sweep/item.js';

type Env = Readonly<Record<string, string | undefined>>;

export const SWEEP_ENV = {
  bucket: 'GRIDBOT_SWEEP_BUCKET',
  dir: 'GRIDBOT_SWEEP_DIR',
  workDir: 'GRIDBOT_SWEEP_WORK_DIR',
} as const;

async function storeFrom(env: Env): Promise<ObjectStore> {
  const bucket = env[SWEEP_ENV.bucket];
  if (bucket) {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const { S3ObjectStore } = await import('../adapters/object-store/s3.js');
    return new S3ObjectStore(new S3Client({}), bucket);
  }
  const dir = env[SWEEP_ENV.dir];
  if (dir) return new FilesystemObjectStore(dir);
  throw new SweepItemError(
    `no sweep store: set ${SWEEP_ENV.bucket} (the sweep bucket) or ${SWEEP_ENV.dir} (a local directory)`,
  );
}

export function sweepItemHandler(env: Env = process.env) {
  let store: Promise<ObjectStore> | undefined;
  const logger = new PowertoolsLogger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'gridbot-sweep-item' });
  return async (event: unknown): Promise<SweepItemOutcome> => {
    const parsed = sweepItemSchema.safeParse(event);
    if (!parsed.success) {
      const error = describeIssues(parsed.error, 'item').join('; ');
      logger.error('malformed sweep item', { error });
      throw new SweepItemError(`malformed sweep item: ${error}`);
    }
    const item = parsed.data;
    const log = logger.child({ sweepId: item.sweepId, index: item.index });
    store ??= storeFrom(env);
    const outcome = await runSweepItem(item, {
      store: await store,
      workDir: env[SWEEP_ENV.workDir] ?? join(tmpdir(), 'gridbot-sweep'),
    });
    log.info('sweep item done', { ok: outcome.ok, result: outcome.result });
    // Paths and a flag only: nothing a redactor would need to remove.
    return outcome;
  };
}
