import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type DynamoDbLocal,
  javaUnavailableReason,
  startDynamoDbLocal,
} from '../../support/dynamo/dynamodb-local.js';
import { dynamoBackend, type StoreBackend } from './backends.js';
import { storeContract } from './contract.js';
import { raceContract } from './two-writers.js';

const noJava = javaUnavailableReason();

if (noJava !== null) {
  // Only where Java is missing: the report shows the backend as skipped, and why.
  console.warn(`Skipping the DynamoDB Local backend: ${noJava}`);
  describe('DynamoDB store on DynamoDB Local', () => {
    it.skip(`needs Java: ${noJava}`, () => {});
  });
} else {
  describe('DynamoDB store on DynamoDB Local', () => {
    let server: DynamoDbLocal;
    let backend: StoreBackend & { close(): void };
    beforeAll(async () => {
      server = await startDynamoDbLocal();
      backend = dynamoBackend('DynamoDB Local', server.endpoint);
    });
    afterAll(async () => {
      backend?.close();
      await server?.stop();
    });

    storeContract(() => backend);
    raceContract(() => backend, { fills: 150, reconSteps: 150, seed: 13 });
  });
}
