/**
 * Least privilege on the state table: a role may use only the item actions the state store issues, and only
 * on the partitions of its own instances, accounts and job claims (an IAM `dynamodb:LeadingKeys`
 * condition built from the store's own key layout, `leadingKeyPatterns`). A function of one account cannot
 * read, pause or rewrite another account's instance, and nobody can scan or change the table itself.
 */
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { leadingKeyPatterns } from '../../shared/adapters/dynamodb/keys.js';

/**
 * What the state store calls: GetItem (loads, and the own-write check of a conditional put), PutItem
 * (conditional saves, claims, heartbeats, configs, confirmations), Query (params versions, journal reads),
 * BatchWriteItem (journal lines). No Scan, no UpdateItem or DeleteItem, no table management.
 */
export const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
] as const;

export interface TableScope {
  readonly accounts: readonly string[];
  readonly instances: readonly string[];
  /** Job claims the role takes (`recon`, `recompute`, `risk`, `confirm`); none for the stream worker. */
  readonly claims: readonly string[];
}

export function grantScopedTableAccess(table: ITableV2, grantee: IGrantable, scope: TableScope): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [...TABLE_ITEM_ACTIONS],
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeyPatterns(scope) },
      },
    }),
  );
}
