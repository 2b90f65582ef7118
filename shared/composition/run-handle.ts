/**
 * How admin commands reach a running `gridbot run` on this machine: while it is live, the run writes
 * `<dataDir>/run.json` (its pid, the endpoint of its embedded store, the table, the config it runs, and
 * for paper trading the paper venues' keys and URLs), readable by this user only, and removes it when it
 * stops. `gridbot pause --data-dir <dir>` and the other admin commands then work on the same store the run
 * uses (the store's conditional writes keep them and the run consistent, as with the admin Lambda), and on
 * the same exchanges. A handle whose process is gone is ignored.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RunHandle {
  readonly pid: number;
  readonly endpoint: string;
  readonly table: string;
  /** The config file the run trades (absolute). */
  readonly config: string;
  /** Paper trading: the variables that point the accounts at the paper venues. */
  readonly env?: Readonly<Record<string, string>>;
  /** The credentials file the run reads (absolute), so an admin command uses the same keys. */
  readonly envFile?: string;
  readonly paper: boolean;
}

const FILE = 'run.json';

export function runHandlePath(dataDir: string): string {
  return join(dataDir, FILE);
}

export function writeRunHandle(dataDir: string, handle: Omit<RunHandle, 'pid'>): void {
  const body: RunHandle = {
    pid: process.pid,
    ...handle,
    config: resolve(handle.config),
    ...(handle.envFile ? { envFile: resolve(handle.envFile) } : {}),
  };
  writeFileSync(runHandlePath(dataDir), `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
}

/** Removes this process's handle (not another run's). */
export function removeRunHandle(dataDir: string): void {
  const h = readHandle(dataDir);
  if (h && h.pid === process.pid) rmSync(runHandlePath(dataDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // Gone, or (EPERM) a process of another user now holds the number: not our run either way.
    return false;
  }
}

function readHandle(dataDir: string): RunHandle | null {
  const path = runHandlePath(dataDir);
  if (!existsSync(path)) return null;
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunHandle>;
    if (typeof h.pid !== 'number' || typeof h.endpoint !== 'string' || typeof h.table !== 'string')
      return null;
    if (typeof h.config !== 'string') return null;
    return { ...h, paper: h.paper === true } as RunHandle;
  } catch {
    return null;
  }
}

/** The handle of a live run in `dataDir`, or null (none, unreadable, or its process is gone). */
export function findRunHandle(dataDir: string): RunHandle | null {
  const h = readHandle(dataDir);
  return h && alive(h.pid) ? h : null;
}
