/**
 * OpenSearchIndex's handling of throttling. A real 429 is hard to provoke on demand, so the real
 * OpenSearch client talks to a small local HTTP server started here that plays the node's
 * `_bulk` endpoint from a script: item-level 429s first, then success. It is a test double of
 * the node (the wire protocol), not a mock of our code: the adapter and the client run for real.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@opensearch-project/opensearch';
import { OpenSearchIndex } from '../../lambdas/platform/search/opensearch-index';

interface ReceivedBulk {
  readonly path: string;
  readonly at: number;
  readonly actions: readonly { id: string; version?: number; versionType?: string }[];
}

/** What the fake node answers for one `_bulk` call: an HTTP status for the whole request, or per-id item statuses (default 201). */
type BulkScript = { readonly requestStatus: number } | { readonly items: Readonly<Record<string, number>> };

class FakeBulkNode {
  readonly received: ReceivedBulk[] = [];
  private script: BulkScript[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  /** Answers for the next calls, in order; once used up, every item succeeds. */
  play(...script: BulkScript[]): void {
    this.script = [...script];
    this.received.length = 0;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    // The client sends POST /_bulk, or PUT /<index>/_bulk when the index is a parameter.
    if ((request.method !== 'POST' && request.method !== 'PUT') || !request.url?.endsWith('/_bulk')) {
      reply(response, 404, { error: { type: 'not_found', reason: `${request.method} ${request.url}` }, status: 404 });
      return;
    }
    const lines = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    const actions = [];
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]).index as { _id: string; version?: number; version_type?: string };
      actions.push({ id: action._id, version: action.version, versionType: action.version_type });
    }
    this.received.push({ path: request.url, at: Date.now(), actions });

    const step = this.script.shift() ?? { items: {} };
    if ('requestStatus' in step) {
      const type = step.requestStatus === 429 ? 'es_rejected_execution_exception' : 'internal_server_error';
      reply(response, step.requestStatus, {
        error: { type, reason: 'scripted whole-request failure' },
        status: step.requestStatus,
      });
      return;
    }
    const items = actions.map(({ id }) => {
      const status = step.items[id] ?? 201;
      const result = { _index: 'people', _id: id, status };
      if (status === 201) return { index: { ...result, result: 'created', _version: 1 } };
      if (status === 429) {
        return {
          index: {
            ...result,
            error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' },
          },
        };
      }
      return {
        index: { ...result, error: { type: 'mapper_parsing_exception', reason: `failed to parse field [age] of type [long]` } },
      };
    });
    reply(response, 200, { took: 1, errors: items.some((item) => item.index.status >= 300), items });
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  response.end(JSON.stringify(body));
}

const documents = ['a', 'b', 'c', 'd', 'e'].map((id, position) => ({
  id,
  version: position + 10,
  body: { name: `Person ${id}` },
}));
const sentIds = (node: FakeBulkNode) => node.received.map((bulk) => bulk.actions.map((action) => action.id));

describe('OpenSearchIndex bulk throttling (against a scripted local node)', () => {
  const node = new FakeBulkNode();
  let client: Client;

  beforeAll(async () => {
    client = new Client({ node: await node.start(), maxRetries: 0 });
  });

  afterAll(async () => {
    await client.close();
    await node.stop();
  });

  test('only the items answered 429 are resent, with growing backoff, until they are written', async () => {
    const index = new OpenSearchIndex(client, { initialBackoffMs: 40, maxBackoffMs: 1_000 });
    node.play({ items: { b: 429, d: 429, e: 400 } }, { items: { b: 429 } });

    const outcome = await index.bulkUpsert('people', documents);

    expect(sentIds(node)).toEqual([['a', 'b', 'c', 'd', 'e'], ['b', 'd'], ['b']]);
    expect(node.received.every((bulk) => bulk.path === '/people/_bulk')).toBe(true);
    // A resent item keeps its external version.
    expect(node.received[2].actions).toEqual([{ id: 'b', version: 11, versionType: 'external' }]);
    // Equal jitter: the first backoff is at least half of 40 ms, the second at least half of 80 ms.
    expect(node.received[1].at - node.received[0].at).toBeGreaterThanOrEqual(20);
    expect(node.received[2].at - node.received[1].at).toBeGreaterThanOrEqual(40);

    expect([...outcome.written].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(outcome.failed).toEqual([
      { id: 'e', reason: 'mapper_parsing_exception: failed to parse field [age] of type [long]', retryable: false },
    ]);
  });

  test('items still throttled after the last retry are reported failed and retryable', async () => {
    const index = new OpenSearchIndex(client, { maxThrottleRetries: 2, initialBackoffMs: 1 });
    node.play({ items: { c: 429 } }, { items: { c: 429 } }, { items: { c: 429 } }, { items: {} });

    const outcome = await index.bulkUpsert('people', documents);

    expect(sentIds(node)).toEqual([['a', 'b', 'c', 'd', 'e'], ['c'], ['c']]);
    expect(outcome.written).toEqual(['a', 'b', 'd', 'e']);
    expect(outcome.failed).toHaveLength(1);
    expect(outcome.failed[0]).toMatchObject({ id: 'c', retryable: true });
    expect(outcome.failed[0].reason).toMatch(/still throttled after 3 attempts: es_rejected_execution_exception/);
  });

  test('a whole request answered 429 is resent as a whole', async () => {
    const index = new OpenSearchIndex(client, { initialBackoffMs: 1 });
    node.play({ requestStatus: 429 });

    const outcome = await index.bulkUpsert('people', documents);

    expect(sentIds(node)).toEqual([
      ['a', 'b', 'c', 'd', 'e'],
      ['a', 'b', 'c', 'd', 'e'],
    ]);
    expect(outcome).toEqual({ written: ['a', 'b', 'c', 'd', 'e'], failed: [] });
  });

  test('any other failure of the whole request throws, so the caller retries the batch instead of dropping it', async () => {
    const index = new OpenSearchIndex(client, { initialBackoffMs: 1 });
    node.play({ requestStatus: 500 });

    await expect(index.bulkUpsert('people', documents)).rejects.toThrow(/internal_server_error/);
    expect(sentIds(node)).toEqual([['a', 'b', 'c', 'd', 'e']]);
  });

  test('large batches are cut into several _bulk requests, and throttled items of each are resent', async () => {
    const index = new OpenSearchIndex(client, { maxBulkDocuments: 2, initialBackoffMs: 1 });
    node.play({ items: {} }, { items: { d: 429 } }, { items: {} });

    const outcome = await index.bulkUpsert('people', documents);

    expect(sentIds(node)).toEqual([['a', 'b'], ['c', 'd'], ['e'], ['d']]);
    expect([...outcome.written].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(outcome.failed).toEqual([]);
  });
});
