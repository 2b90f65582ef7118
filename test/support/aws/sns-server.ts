/**
 * A local stand-in for Amazon SNS speaking its Query protocol (form-encoded `Action=Publish`, XML
 * answers), enough for the real SDK client. It checks what real SNS checks on Publish (known topic,
 * subject under 100 printable ASCII characters, non-empty message, well-formed message attributes) and
 * records what was published. Can fail the next calls on demand.
 */
import {
  type LocalHttpServer,
  type LocalResponse,
  signedBy,
  startLocalHttpServer,
} from './local-http-server.js';

export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject: string | undefined;
  readonly message: string;
  readonly attributes: Readonly<Record<string, { dataType: string; value: string }>>;
  readonly signedBy: string | null;
}

export interface LocalSns extends LocalHttpServer {
  readonly published: readonly PublishedMessage[];
  /** Requests of any kind, including refused ones. */
  readonly requests: number;
  createTopic(name: string): string;
  /** The next `times` calls answer with this HTTP status (500: InternalError, 400: Throttling). */
  failNext(status: 400 | 500, times?: number): void;
}

const NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

export async function startLocalSns(): Promise<LocalSns> {
  const topics = new Set<string>();
  const published: PublishedMessage[] = [];
  const faults: number[] = [];
  let requests = 0;
  let nextId = 1;

  const server = await startLocalHttpServer((req): LocalResponse => {
    requests++;
    const form = new URLSearchParams(req.body);
    if (signedBy(req.headers) === null)
      return error(403, 'Sender', 'MissingAuthenticationToken', 'not signed');
    const fault = faults.shift();
    if (fault === 500) return error(500, 'Receiver', 'InternalError', 'injected failure');
    if (fault === 400) return error(400, 'Sender', 'Throttling', 'Rate exceeded');
    if (form.get('Action') !== 'Publish')
      return error(400, 'Sender', 'InvalidAction', 'only Publish is served');
    if (form.get('Version') !== '2010-03-31') return error(400, 'Sender', 'InvalidParameterValue', 'Version');
    const topicArn = form.get('TopicArn') ?? '';
    if (!topics.has(topicArn)) return error(404, 'Sender', 'NotFound', 'Topic does not exist');
    const subject = form.get('Subject') ?? undefined;
    if (subject !== undefined && (subject.length >= 100 || !/^[\x20-\x7E]+$/.test(subject))) {
      return error(400, 'Sender', 'InvalidParameter', 'Invalid parameter: Subject');
    }
    const message = form.get('Message') ?? '';
    if (message === '') return error(400, 'Sender', 'InvalidParameter', 'Invalid parameter: Empty message');
    const attributes: Record<string, { dataType: string; value: string }> = {};
    for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
      const p = `MessageAttributes.entry.${i}`;
      const value = form.get(`${p}.Value.StringValue`);
      if (!value) return error(400, 'Sender', 'ParameterValueInvalid', `attribute ${i} has no value`);
      attributes[form.get(`${p}.Name`)!] = { dataType: form.get(`${p}.Value.DataType`) ?? '', value };
    }
    published.push({ topicArn, subject, message, attributes, signedBy: signedBy(req.headers) });
    const id = `00000000-0000-4000-8000-${String(nextId++).padStart(12, '0')}`;
    return xml(
      200,
      `<PublishResponse xmlns="${NS}"><PublishResult><MessageId>${id}</MessageId></PublishResult>` +
        `<ResponseMetadata><RequestId>req-${id}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  });

  return {
    ...server,
    published,
    get requests() {
      return requests;
    },
    createTopic(name) {
      const arn = `arn:aws:sns:us-east-1:123456789012:${name}`;
      topics.add(arn);
      return arn;
    },
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) faults.push(status);
    },
  };
}

function xml(status: number, body: string): LocalResponse {
  return { status, headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0"?>\n${body}` };
}

function error(status: number, type: string, code: string, message: string): LocalResponse {
  return xml(
    status,
    `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
      `<Message>${message}</Message></Error><RequestId>req-error</RequestId></ErrorResponse>`,
  );
}
