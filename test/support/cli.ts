/** Runs the gridbot CLI in process with captured output (what a terminal or CI log would show). */
import { type CliIo, main } from '../../bin/cli.js';

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
