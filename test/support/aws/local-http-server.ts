/**
 * A tiny HTTP server on 127.0.0.1 with a free port, for the local stand-ins of AWS services. The handler
 * gets the whole request body as text; `stop()` also closes the SDK clients' keep-alive sockets.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface LocalResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface LocalHttpServer {
  /** e.g. `http://127.0.0.1:49152`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startLocalHttpServer(
  handler: (request: LocalRequest) => LocalResponse | Promise<LocalResponse>,
): Promise<LocalHttpServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: LocalRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      Promise.resolve()
        .then(() => handler(request))
        .then(
          (r) => {
            res.writeHead(r.status, { 'content-length': Buffer.byteLength(r.body), ...r.headers });
            res.end(r.body);
          },
          (e: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(String(e));
          },
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | null = null;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

/** Dummy credentials for SDK clients pointed at a local server (never the default chain, never ~/.aws). */
export const LOCAL_AWS_CREDENTIALS = {
  accessKeyId: 'AKIALOCALTEST',
  secretAccessKey: 'local-secret',
} as const;

/** The access key id a SigV4 `Authorization` header was signed with, or null when unsigned. */
export function signedBy(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  const m = typeof auth === 'string' ? /^AWS4-HMAC-SHA256 Credential=([^/]+)\//.exec(auth) : null;
  return m ? m[1]! : null;
}

/** An answer of an AWS JSON-protocol service (`application/x-amz-json-1.1`). */
export function awsJson(payload: unknown): LocalResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(payload),
  };
}

/** An error of an AWS JSON-protocol service, as the SDK reads it (`x-amzn-errortype`, `__type`). */
export function awsJsonError(status: number, type: string, message: string): LocalResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, message }),
  };
}

export interface AwsJsonRequest {
  /** `X-Amz-Target`, e.g. `secretsmanager.GetSecretValue`. */
  readonly target: string;
  readonly input: Record<string, unknown>;
  readonly signedBy: string | null;
}

/**
 * Reads an AWS JSON-protocol request: its target, body and signer, and, when it is not one a real service
 * would take (not JSON, not a POST of `application/x-amz-json-1.1`, not signed), the error it would answer.
 * `unsigned` is the service's error type for a request without a signature.
 */
export function readAwsJson(
  req: LocalRequest,
  unsigned: string,
): { readonly request: AwsJsonRequest; readonly refusal: LocalResponse | null } {
  const target = String(req.headers['x-amz-target'] ?? '');
  const signer = signedBy(req.headers);
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(req.body || '{}') as Record<string, unknown>;
  } catch {
    return {
      request: { target, input: {}, signedBy: signer },
      refusal: awsJsonError(400, 'SerializationException', 'body is not JSON'),
    };
  }
  const request = { target, input, signedBy: signer };
  if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1'))
    return {
      request,
      refusal: awsJsonError(400, 'SerializationException', 'expected a POST of application/x-amz-json-1.1'),
    };
  if (signer === null) return { request, refusal: awsJsonError(400, unsigned, 'request is not signed') };
  return { request, refusal: null };
}
