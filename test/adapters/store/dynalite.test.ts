import { afterAll, beforeAll, describe } from 'vitest';
import {
  type EmbeddedDynamo,
  startEmbeddedDynamo,
} from '../../../shared/adapters/embedded/dynalite-server.js';
import { dynamoBackend, type StoreBackend } from './backends.js';
import { storeContract } from './contract.js';
import { raceContract } from './two-writers.js';

describe('DynamoDB store on embedded dynalite', () => {
  let server: EmbeddedDynamo;
  let backend: StoreBackend & { close(): void };
  beforeAll(async () => {
    server = await startEmbeddedDynamo();
    backend = dynamoBackend('dynalite', server.endpoint);
  });
  afterAll(async () => {
    backend?.close();
    await server?.stop();
  });

  storeContract(() => backend);
  raceContract(() => backend, { fills: 200, reconSteps: 200, seed: 12 }, 'engine');
});
