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
  // These machines and CI have Java 17, so a missing Java is a broken environment, not a reason to pass
  // quietly. A developer without Java opts out explicitly (GRIDBOT_SKIP_DYNAMODB_LOCAL=1).
  const optedOut = process.env.GRIDBOT_SKIP_DYNAMODB_LOCAL === '1';
  describe('DynamoDB store on DynamoDB Local', () => {
    if (optedOut) {
      console.warn(`Skipping the DynamoDB Local backend (GRIDBOT_SKIP_DYNAMODB_LOCAL=1): ${noJava}`);
      it.skip(`needs Java: ${noJava}`, () => {});
    } else {
      it('has the Java it needs', () => {
        throw new Error(
          `DynamoDB Local needs Java 17: ${noJava}. Install it, or set GRIDBOT_SKIP_DYNAMODB_LOCAL=1 to skip.`,
        );
      });
    }
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
