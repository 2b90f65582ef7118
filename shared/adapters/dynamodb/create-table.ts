/**
 * Creates the state table for local use and tests (in AWS the table comes from CDK, with the same key
 * schema: `pk` / `sk` strings, on-demand billing, TTL on `expiresAt`). Idempotent: an existing table is left
 * as it is.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { KEY_ATTRIBUTES, TTL_ATTRIBUTE } from './keys.js';

const POLL_MS = 20;
const MAX_POLLS = 1500; // 30 s

export async function ensureStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if ((await tableStatus(client, tableName)) === null) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          KeySchema: [
            { AttributeName: KEY_ATTRIBUTES.partition, KeyType: 'HASH' },
            { AttributeName: KEY_ATTRIBUTES.sort, KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: KEY_ATTRIBUTES.partition, AttributeType: 'S' },
            { AttributeName: KEY_ATTRIBUTES.sort, AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (e) {
      // Another process created it between our describe and create.
      if ((e as Error).name !== 'ResourceInUseException') throw e;
    }
  }
  for (let polls = 0; (await tableStatus(client, tableName)) !== 'ACTIVE'; polls++) {
    if (polls >= MAX_POLLS) throw new Error(`table ${tableName} did not become ACTIVE within 30 s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (e) {
    // dynalite has no TTL API, and a second enable is refused; reads filter expired items either way.
    const name = (e as Error).name;
    if (name !== 'UnknownOperationException' && name !== 'ValidationException') throw e;
  }
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | null> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus ?? null;
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return null;
    throw e;
  }
}
