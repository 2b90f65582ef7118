import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTERNAL_MODULES, NODE_TARGET, REPO_ROOT } from '../../lib/bundling/lambda-bundling.js';
import {
  STREAM_WORKER_DOCKERFILE,
  STREAM_WORKER_ENTRY,
  WORKER_CONFIG_PATH,
} from '../../lib/runtime-contract.js';

const dockerfile = readFileSync(join(REPO_ROOT, STREAM_WORKER_DOCKERFILE), 'utf8');
const esbuildLine = dockerfile.split('\n').find((l) => l.startsWith('RUN npx esbuild '))!;
const esbuildArgs = esbuildLine.replace('RUN npx esbuild ', '').split(' ');

describe('stream worker image', () => {
  it('bundles the worker entry with the Lambda options, ccxt kept whole', () => {
    expect(esbuildArgs[0]).toBe(STREAM_WORKER_ENTRY);
    expect(esbuildArgs.slice(1).sort()).toEqual(
      [
        '--bundle',
        '--platform=node',
        '--format=cjs',
        `--target=${NODE_TARGET}`,
        '--minify',
        '--sourcemap',
        '--sources-content=false',
        '--keep-names',
        ...EXTERNAL_MODULES.map((m) => `--external:${m}`),
        '--outfile=dist/main.js',
      ].sort(),
    );
  });

  it('bundles the real worker with that command into a process that starts and asks for its config', () => {
    const out = mkdtempSync(join(tmpdir(), 'gridbot-worker-'));
    const args = esbuildArgs.map((a) => (a.startsWith('--outfile=') ? `--outfile=${out}/main.js` : a));
    execFileSync(join(REPO_ROOT, 'node_modules/.bin/esbuild'), [...args, '--log-level=error'], {
      cwd: REPO_ROOT,
    });
    const run = spawnSync(process.execPath, [join(out, 'main.js')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1' },
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toContain('GRIDBOT_CONFIG is not set');
  }, 60_000);

  it('writes the deployment config where GRIDBOT_CONFIG points', () => {
    const [build, runtime] = dockerfile.split('\nFROM node:');
    expect(build).toMatch(/\nARG GRIDBOT_CONFIG_JSON\n.*> dist\/gridbot-config\.json\n/);
    expect(runtime).toMatch(/\nWORKDIR \/app\nCOPY --from=build \/src\/dist\/ \.\/\n/);
    expect(WORKER_CONFIG_PATH).toBe('/app/gridbot-config.json');
  });

  it('runs as the unprivileged node user, with no RUN step on the arm64 stage and no exposed port', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^\nFROM node:\d+-slim\n/);
    expect(runtime).toMatch(/\nUSER node\n/);
    expect(runtime).toMatch(/\nCMD \["node", "main\.js"\]/);
    expect(runtime).not.toMatch(/\n(RUN|EXPOSE) /);
  });

  it('sends only what the bundle needs to the Docker build', () => {
    const lines = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      '*',
      '!package.json',
      '!package-lock.json',
      '!tsconfig.json',
      '!shared/**',
      '!functions/**',
    ]);
  });
});
