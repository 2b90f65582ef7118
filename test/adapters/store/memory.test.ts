import { describe } from 'vitest';
import { memoryBackend } from './backends.js';
import { storeContract } from './contract.js';
import { raceContract } from './two-writers.js';

describe('memory store', () => {
  storeContract(() => memoryBackend({ encode: false }));
  raceContract(() => memoryBackend({ encode: false }), { fills: 900, reconSteps: 900, seed: 11 });
  raceContract(() => memoryBackend({ encode: false }), { fills: 900, reconSteps: 900, seed: 15 }, 'engine');
});

describe('memory store keeping encoded documents', () => {
  storeContract(() => memoryBackend({ encode: true }));
  raceContract(() => memoryBackend({ encode: true }), { fills: 300, reconSteps: 300, seed: 14 });
});
