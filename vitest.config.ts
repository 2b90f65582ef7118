import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Generous: with two files at a time a CPU-bound replay can take twice its time alone.
    testTimeout: 90_000,
    // Both cores: vitest's default leaves one idle (cpus − 1), and half the suite waits on real time
    // (e2e workers, protocol servers, child processes), so two files at a time overlap waiting with work.
    maxWorkers: 2,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['shared/**/*.ts', 'functions/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        'shared/domain/**/*.ts': { lines: 95 },
      },
    },
  },
});
