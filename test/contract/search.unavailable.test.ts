/**
 * The OpenSearch adapter says "unavailable" in the domain's words: a cluster answering 429 or
 * 503 (busy, or a new index's shards not yet allocated), or not reachable at all, makes the search
 * port throw `Unavailable` (HTTP answers 503 with Retry-After; consumers retry the batch). Other
 * errors stay what they are. A local HTTP server stands in for the cluster's failure answers.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@opensearch-project/opensearch';
import { Unavailable } from '../../lambdas/platform/errors';
import { OpenSearchIndex } from '../../lambdas/platform/search/opensearch-index';

let server: Server;
let endpoint: string;
let status = 503;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { type: 'search_phase_execution_exception', reason: 'all shards failed' }, status }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const indexAt = (node: string) =>
  new OpenSearchIndex(new Client({ node, maxRetries: 0, requestTimeout: 2000 }), { closeClient: true });

it.each([429, 503])('turns a %i answer into Unavailable', async (answer) => {
  status = answer;
  const index = indexAt(endpoint);
  await expect(index.search('events', { size: 1 })).rejects.toBeInstanceOf(Unavailable);
  await expect(index.get('events', 'x')).rejects.toBeInstanceOf(Unavailable);
  await index.close();
});

it('turns an unreachable cluster into Unavailable', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  await once(closed, 'close');
  const index = indexAt(`http://127.0.0.1:${port}`);
  await expect(index.search('events', { size: 1 })).rejects.toBeInstanceOf(Unavailable);
  // A filtered or sorted search reads the index mapping first: that read says Unavailable too.
  await expect(
    index.search('events', { filters: [{ term: { field: 'type', value: 'a' } }], sort: [{ field: 'time', order: 'asc' }] }),
  ).rejects.toBeInstanceOf(Unavailable);
  await index.close();
});

it('leaves other failures alone (a 400 is not a reason to retry)', async () => {
  status = 400;
  const index = indexAt(endpoint);
  const failure = index.search('events', { size: 1 });
  await expect(failure).rejects.toThrow();
  await expect(failure).rejects.not.toBeInstanceOf(Unavailable);
  await index.close();
});
