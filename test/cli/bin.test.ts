/** The installed executable: `bin/gridbot.js` runs the TypeScript CLI through tsx, as `npm start` does. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoConfigPath, repoRoot } from '../support/sim.js';

const gridbot = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin/gridbot.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });

describe('bin/gridbot.js', () => {
  it('validates the example config and exits 0', () => {
    const r = gridbot('validate-config', demoConfigPath);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /demo\.yaml: ok — 1 account\(s\) \(main\), 1 instance\(s\) \(dogeklg DOGE\/USDC:USDC\)/,
    );
  });

  it('ends quietly when the reader of its output stops early (EPIPE), as in `gridbot … | head`', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/gridbot.js'), 'help'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error/);
  });

  it('the CDK app refuses to run without a named deployment config, so a bare `cdk deploy` deploys nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'gridbot-cdk-refused-'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin/app.ts')], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, CDK_CONTEXT_JSON: '{}', CDK_OUTDIR: out },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/name your deployment config: npx cdk deploy --all -c config=/);
    // Nothing was synthesized: no cloud assembly to deploy.
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('exits 1 with one line on stderr for a missing config', () => {
    const r = gridbot('sim', '--config', 'no/such/file.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "gridbot: cannot read config file no/such/file.yaml: ENOENT: no such file or directory, open 'no/such/file.yaml'\n",
    );
  });
});
