/**
 * The StateStore contract: one suite, run by each backend's test file against its own server or memory,
 * so the simulator's fast store and DynamoDB mean the same thing.
 */
import { describe } from 'vitest';
import type { StoreBackend } from './backends.js';
import { gridContract } from './contract-grid.js';
import { parseContract } from './contract-parse.js';
import { recordsContract } from './contract-records.js';

export function storeContract(backend: () => StoreBackend): void {
  describe('store contract', () => {
    gridContract(backend);
    recordsContract(backend);
    parseContract(backend);
  });
}
