/**
 * Runs the gridbot CLI in process with captured output (what a terminal or CI log would show), or as a
 * child process of `bin/gridbot.js` (signals, exit codes, a process that must end by itself).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type CliIo, main } from '../../bin/cli.js';
import { repoRoot } from './sim.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function cli(
  args: readonly string[],
  opts: { env?: Record<string, string | undefined>; isTTY?: boolean } = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTTY: opts.isTTY ?? false,
    now: () => Date.UTC(2025, 0, 1),
    env: opts.env ?? {},
  };
  const code = await main(args, io);
  return { code, out, err };
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): { out: string; err: string };
  /** Resolves once the output holds `text` (rejects if the process ends first, or after `ms`). */
  waitFor(text: string, ms?: number): Promise<void>;
  /** Resolves when the process has ended, with its code (null when killed) and how long it ran. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Kills it if it is still running (test cleanup). */
  kill(): void;
}

/** Starts `bin/gridbot.js <args>` in `cwd` with exactly `env` (plus PATH) as its environment. */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  cwd = repoRoot,
): CliProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [join(repoRoot, 'bin/gridbot.js'), ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  const changed = () => {
    for (const w of [...watchers]) w();
  };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    changed();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString('utf8');
    changed();
  });
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>(
    (resolve) => {
      child.on('close', (code, signal) => {
        ended = true;
        changed();
        resolve({ code, signal, ms: Date.now() - started });
      });
    },
  );
  return {
    child,
    output: () => ({ out, err }),
    exited,
    waitFor(text, ms = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no "${text}" in the output after ${ms} ms:\n${out}${err}`));
        }, ms);
        const check = () => {
          if (out.includes(text) || err.includes(text)) {
            clearTimeout(timer);
            watchers.delete(check);
            resolve();
          } else if (ended) {
            clearTimeout(timer);
            watchers.delete(check);
            reject(new Error(`the process ended without "${text}" in its output:\n${out}${err}`));
          }
        };
        watchers.add(check);
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
