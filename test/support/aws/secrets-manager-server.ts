/**
 * A local stand-in for AWS Secrets Manager speaking its JSON protocol (`application/x-amz-json-1.1`,
 * `X-Amz-Target: secretsmanager.GetSecretValue`), enough for the real SDK client and Powertools
 * Parameters to read secrets from it. Records each call; can fail the next calls on demand.
 */
import {
  awsJson,
  awsJsonError,
  type LocalHttpServer,
  type LocalResponse,
  readAwsJson,
  startLocalHttpServer,
} from './local-http-server.js';

export type SecretsManagerFault =
  | 'AccessDeniedException'
  | 'DecryptionFailure'
  | 'InternalServiceError'
  | 'ThrottlingException';

export interface SecretsManagerCall {
  readonly target: string;
  readonly secretId: string | undefined;
  /** Access key id of the SigV4 signature. */
  readonly signedBy: string | null;
}

export interface LocalSecretsManager extends LocalHttpServer {
  readonly calls: readonly SecretsManagerCall[];
  putSecret(name: string, value: string | Uint8Array): void;
  deleteSecret(name: string): void;
  /** Forgets recorded calls and pending faults. */
  reset(): void;
  /** The next `times` calls fail with `fault`. */
  failNext(fault: SecretsManagerFault, times?: number): void;
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

export async function startLocalSecretsManager(): Promise<LocalSecretsManager> {
  const secrets = new Map<string, string | Uint8Array>();
  const calls: SecretsManagerCall[] = [];
  const faults: SecretsManagerFault[] = [];

  const server = await startLocalHttpServer((req): LocalResponse => {
    const { request, refusal } = readAwsJson(req, 'MissingAuthenticationToken');
    const { target } = request;
    const input = request.input as { SecretId?: string };
    calls.push({ target, secretId: input.SecretId, signedBy: request.signedBy });
    if (refusal) return refusal;
    const fault = faults.shift();
    if (fault === 'InternalServiceError') return error(500, fault, 'internal failure');
    if (fault) return error(400, fault, `injected ${fault}`);
    if (target !== 'secretsmanager.GetSecretValue') return error(400, 'UnknownOperationException', target);
    const name = input.SecretId;
    const value = name === undefined ? undefined : secrets.get(name);
    if (name === undefined || value === undefined) {
      return error(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
    const payload = {
      ARN: arn,
      Name: name,
      VersionId: '00000000-0000-4000-8000-000000000001',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_700_000_000,
      ...(typeof value === 'string'
        ? { SecretString: value }
        : { SecretBinary: Buffer.from(value).toString('base64') }),
    };
    return awsJson(payload);
  });

  return {
    ...server,
    calls,
    putSecret(name, value) {
      secrets.set(name, value);
    },
    deleteSecret(name) {
      secrets.delete(name);
    },
    reset() {
      calls.length = 0;
      faults.length = 0;
    },
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
  };
}

const error = awsJsonError;
