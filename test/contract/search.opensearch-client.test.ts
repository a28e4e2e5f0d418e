/**
 * openSearchClientFromEnv picks its connection by backend. The AWS case is checked on the wire:
 * a local HTTP server stands in for the domain endpoint and records what the real client sends,
 * which must be SigV4-signed for service `es` with the credentials of the default provider chain.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeOpenSearchClient, domainUrl, openSearchClientFromEnv } from '../../lambdas/platform/search/opensearch-client';

describe('openSearchClientFromEnv', () => {
  let server: Server;
  let endpoint: string;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers);
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ cluster_name: 'stand-in', status: 'green' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await closeOpenSearchClient();
    seen.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  test('services: plain http to the local OpenSearch URL, no signing; one client per container', async () => {
    const env = { EVENTLINE_BACKEND: 'services', EVENTLINE_OPENSEARCH_URL: endpoint };
    const client = await openSearchClientFromEnv(env);
    expect(await openSearchClientFromEnv(env)).toBe(client);
    const health = await client.cluster.health({});
    expect(health.body.status).toBe('green');
    expect(seen[0].authorization).toBeUndefined();
  });

  test('aws: every request is SigV4-signed for service es in the Lambda region', async () => {
    // The default provider chain reads the process environment first, as it reads the role's
    // variables in Lambda.
    const credentials = {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      AWS_SESSION_TOKEN: 'session-token-example',
    };
    const saved = Object.fromEntries(Object.keys(credentials).map((name) => [name, process.env[name]]));
    Object.assign(process.env, credentials);
    try {
      const client = await openSearchClientFromEnv({
        EVENTLINE_BACKEND: 'aws',
        AWS_REGION: 'eu-central-1',
        OPENSEARCH_ENDPOINT: endpoint,
      });
      await client.cluster.health({});
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const headers = seen[0];
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/es\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('session-token-example');
    expect(headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('aws: a missing endpoint or region is a clear error, and the failure is not cached', async () => {
    await expect(openSearchClientFromEnv({ EVENTLINE_BACKEND: 'aws', AWS_REGION: 'eu-central-1' })).rejects.toThrow(
      /OPENSEARCH_ENDPOINT is required/,
    );
    await expect(openSearchClientFromEnv({ EVENTLINE_BACKEND: 'aws', OPENSEARCH_ENDPOINT: endpoint })).rejects.toThrow(
      /AWS_REGION is required/,
    );
  });

  test('embedded has no client', async () => {
    await expect(openSearchClientFromEnv({ EVENTLINE_BACKEND: 'embedded' })).rejects.toThrow(/EmbeddedSearchIndex/);
  });

  test('the domain endpoint from CDK is a bare host name and becomes an https URL', () => {
    expect(domainUrl('vpc-eventline-abc.eu-central-1.es.amazonaws.com')).toBe(
      'https://vpc-eventline-abc.eu-central-1.es.amazonaws.com',
    );
    expect(domainUrl('http://127.0.0.1:9200')).toBe('http://127.0.0.1:9200');
  });
});
