/**
 * `ItemTable` on DynamoDB through the AWS SDK v3 document client. Works against AWS, DynamoDB Local and
 * dynalite alike (it uses only GetItem, PutItem, BatchWriteItem and Query).
 *
 * Invariants: every read is strongly consistent (`ConsistentRead`), so a writer that lost a race re-reads
 * the winner's state; a failed condition is reported as `false`, never thrown; every other failure becomes a
 * `StoreUnavailableError` saying whether a retry may help.
 */
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../ports/state-store.js';
import {
  type ItemTable,
  type QueryOptions,
  type ReadItem,
  type SortKeyRange,
  WRITE_TOKEN_ATTRIBUTE,
  type WriteCondition,
  type WriteItem,
} from './item-table.js';
import { type ItemKey, keyText, TTL_ATTRIBUTE } from './keys.js';

const BATCH_SIZE = 25;
const MAX_UNPROCESSED_ROUNDS = 8;

export class DynamoItemTable implements ItemTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(key: ItemKey): Promise<ReadItem | null> {
    const out = await this.call(`GetItem ${keyText(key)}`, () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { ...key }, ConsistentRead: true })),
    );
    return out.Item ? { attributes: out.Item } : null;
  }

  async put(item: WriteItem, condition?: WriteCondition): Promise<boolean> {
    const input = { TableName: this.tableName, Item: toAttributes(item), ...conditionExpression(condition) };
    try {
      await this.client.send(new PutCommand(input));
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw unavailable(`PutItem ${keyText(item.key)}`, e);
    }
  }

  async putMany(items: readonly WriteItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_SIZE) {
      let requests = items.slice(i, i + BATCH_SIZE).map((it) => ({ PutRequest: { Item: toAttributes(it) } }));
      for (let round = 0; requests.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) {
          throw new StoreUnavailableError(
            `BatchWriteItem on ${this.tableName}: ${requests.length} items still unprocessed after ${round} rounds`,
            true,
          );
        }
        if (round > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** round));
        const out = await this.call(`BatchWriteItem on ${this.tableName}`, () =>
          this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } })),
        );
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }

  async query(pk: string, range: SortKeyRange, options: QueryOptions = {}): Promise<ReadItem[]> {
    const names: Record<string, string> = { '#pk': 'pk', '#sk': 'sk' };
    const values: Record<string, unknown> = { ':pk': pk };
    let keyCondition: string;
    if ('prefix' in range) {
      keyCondition = '#pk = :pk AND begins_with(#sk, :prefix)';
      values[':prefix'] = range.prefix;
    } else {
      keyCondition = '#pk = :pk AND #sk BETWEEN :from AND :to';
      values[':from'] = range.from;
      values[':to'] = range.to;
    }
    const filtered = options.liveAtSec !== undefined;
    if (filtered) {
      names['#exp'] = TTL_ATTRIBUTE;
      values[':now'] = options.liveAtSec;
    }
    const results: ReadItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = options.limit === undefined ? undefined : options.limit - results.length;
      const input: QueryCommandInput = {
        TableName: this.tableName,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: !options.descending,
        ConsistentRead: true,
        ...(filtered ? { FilterExpression: 'attribute_not_exists(#exp) OR #exp > :now' } : {}),
        // With a filter, Limit counts items read before filtering; read whole pages and trim instead.
        ...(remaining !== undefined && !filtered ? { Limit: remaining } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      };
      const out = await this.call(`Query ${pk}`, () => this.client.send(new QueryCommand(input)));
      for (const attributes of out.Items ?? []) results.push({ attributes });
      startKey = out.LastEvaluatedKey;
    } while (startKey && (options.limit === undefined || results.length < options.limit));
    return options.limit === undefined ? results : results.slice(0, options.limit);
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      throw unavailable(what, e);
    }
  }
}

function toAttributes(item: WriteItem): Record<string, unknown> {
  return {
    pk: item.key.pk,
    sk: item.key.sk,
    type: item.type,
    ...(item.version === undefined ? {} : { version: item.version }),
    ...(item.expiresAt === undefined ? {} : { [TTL_ATTRIBUTE]: item.expiresAt }),
    ...(item.token === undefined ? {} : { [WRITE_TOKEN_ATTRIBUTE]: item.token }),
    doc: item.encode(),
  };
}

function conditionExpression(condition: WriteCondition | undefined): Partial<PutCommandInput> {
  switch (condition?.kind) {
    case undefined:
      return {};
    case 'absent':
      return { ConditionExpression: 'attribute_not_exists(pk)' };
    case 'versionIs':
      return {
        ConditionExpression: '#v = :v',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': condition.version },
      };
    case 'absentOrExpired':
      return {
        ConditionExpression: 'attribute_not_exists(pk) OR #exp <= :now',
        ExpressionAttributeNames: { '#exp': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':now': condition.nowSec },
      };
  }
}

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

function unavailable(what: string, e: unknown): StoreUnavailableError {
  const err = e as Error & { $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const retryable =
    err.$retryable !== undefined || RETRYABLE_NAMES.has(err.name) || status === undefined || status >= 500;
  return new StoreUnavailableError(`${what} failed: ${err.name}: ${err.message}`, retryable, { cause: e });
}
