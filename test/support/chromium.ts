/**
 * The Chromium that browser tests drive with playwright-core, chosen in this order:
 *  1. `CHROMIUM_PATH`, when set;
 *  2. Debian's `/usr/bin/chromium`, when it is installed and `GRIDBOT_BROWSER` is not `bundled`;
 *  3. the headless Chromium shipped inside the npm package `@sparticuz/chromium` (a devDependency, so
 *     `npm ci` brings it and nothing else has to be installed). The package keeps it brotli-compressed; it
 *     is decompressed once into `<tmpdir>/gridbot-chromium-<version>/` and reused by every later launch.
 *
 * The decompression is safe to start from several test files at once: within a process the calls share one
 * promise; across processes one holds a lock directory while the others wait for its result, and each
 * decompresses into a private staging directory that is renamed into place whole, so a half-written binary
 * is never seen (a holder that died leaves only a stale lock, which the others stop waiting for).
 */

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const systemChromium = '/usr/bin/chromium';

export interface ChromiumExecutable {
  /** Where it came from: `CHROMIUM_PATH`, Debian's package, or the npm package. */
  source: 'CHROMIUM_PATH' | 'system' | 'bundled';
  /** For `chromium.launch({ executablePath })`. */
  path: string;
  /** For `chromium.launch({ args })`. */
  args: string[];
  /** For `chromium.launch({ env })`. */
  env: Record<string, string | undefined>;
}

/**
 * The browser's environment: the tests' own, with the locale pinned. The bundled headless shell takes its
 * `navigator.language` from the locale variables, and under `LANG=C.UTF-8` (Debian's default) it reports
 * `en-US@posix`, a tag that `Intl` rejects; Debian's Chromium says `en-US` whatever they are.
 */
const browserEnv = (): Record<string, string | undefined> => ({ ...process.env, LC_ALL: 'en_US.UTF-8' });

/**
 * Flags of `@sparticuz/chromium`'s recommended list that are left out. They suit AWS Lambda, not a test:
 * `--single-process` works around Lambda's seccomp (and lets one renderer crash take the browser down);
 * Playwright passes `--headless` itself; the SwiftShader-through-ANGLE flags put 2D canvases on an emulated
 * GPU, which draws the same pixels 4-5 times slower (and reads them back 30 times slower) than Chromium's own
 * software raster, enough to miss the test's 300 ms redraw wait (WebGL still works without them); and the
 * rest switch off web security and site isolation, which would let a report that needs them off pass.
 */
const droppedFlags = new Set([
  '--single-process',
  '--headless',
  '--use-gl',
  '--use-angle',
  '--enable-unsafe-swiftshader',
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
  '--disable-features',
  '--enable-features',
]);

export async function chromiumExecutable(): Promise<ChromiumExecutable> {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv}: no such file`);
    return { source: 'CHROMIUM_PATH', path: fromEnv, args: ['--no-sandbox'], env: browserEnv() };
  }
  const choice = process.env.GRIDBOT_BROWSER ?? '';
  if (!['', 'system', 'bundled'].includes(choice))
    throw new Error(`GRIDBOT_BROWSER=${choice}: expected "system" or "bundled" (or unset)`);
  if (choice !== 'bundled' && existsSync(systemChromium))
    return { source: 'system', path: systemChromium, args: ['--no-sandbox'], env: browserEnv() };
  if (choice === 'system') throw new Error(`GRIDBOT_BROWSER=system but there is no ${systemChromium}`);
  const { default: Chromium } = await import('@sparticuz/chromium');
  // Root (CI, this kind of machine) cannot start Chromium with its sandbox: --no-sandbox is on the list.
  const args = Chromium.args.filter((a) => !droppedFlags.has(a.split('=')[0]!));
  return { source: 'bundled', path: await bundledChromium(), args, env: browserEnv() };
}

let extracting: Promise<string> | undefined;

/** The npm package's Chromium: decompressed by the first call of any process, then reused. */
export function bundledChromium(): Promise<string> {
  extracting ??= extractOnce().catch((e: unknown) => {
    extracting = undefined;
    throw e;
  });
  return extracting;
}

/** How long a process waits for another's decompression (seconds, normally), and when a lock is stale. */
const lockWaitMs = 120_000;

async function extractOnce(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  // The package's own package.json: the nearest one above its entry point that names it.
  let at = dirname(entry);
  let pkg: { name?: string; version: string } | undefined;
  for (; at !== dirname(at); at = dirname(at)) {
    const candidate = join(at, 'package.json');
    if (!existsSync(candidate)) continue;
    const read = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version: string };
    if (read.name === '@sparticuz/chromium') {
      pkg = read;
      break;
    }
  }
  if (!pkg) throw new Error(`cannot find the package.json of @sparticuz/chromium above ${entry}`);
  const dir = join(tmpdir(), `gridbot-chromium-${pkg.version}`);
  const exe = join(dir, 'chromium');
  if (existsSync(exe)) return exe;

  const lock = `${dir}.lock`;
  const owner = await mkdir(lock).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return false;
      throw e;
    },
  );
  try {
    if (!owner) {
      const deadline = Date.now() + lockWaitMs;
      while (!existsSync(exe) && lockHeld(lock) && Date.now() < deadline) await sleep(200);
      if (existsSync(exe)) return exe;
      // The holder failed or died: decompress here (the rename below settles any race).
    }
    const staging = await mkdtemp(`${dir}.tmp-`);
    try {
      // The package decompresses into os.tmpdir(): run it in a child whose TMPDIR is the staging directory,
      // so that nothing is written where another process could see it unfinished.
      const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: staging };
      delete env.NODE_OPTIONS;
      delete env.NODE_V8_COVERAGE;
      const script = [
        'const { default: C } = await import(process.argv[1]);',
        'process.stdout.write(await C.executablePath());',
      ].join(' ');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script, pathToFileURL(entry).href],
        { env },
      );
      if (stdout !== join(staging, 'chromium') || !existsSync(stdout))
        throw new Error(`@sparticuz/chromium decompressed to ${stdout}, not into ${staging}`);
      await rename(staging, dir).catch((e: unknown) => {
        if (!existsSync(exe)) throw e; // else another process got there first: use its copy
      });
      return exe;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } finally {
    if (owner) await rm(lock, { recursive: true, force: true });
  }
}

/** Whether a lock directory is there and younger than `lockWaitMs` (older: left by a dead process). */
function lockHeld(lock: string): boolean {
  try {
    return Date.now() - statSync(lock).mtimeMs < lockWaitMs;
  } catch {
    return false;
  }
}
