import { Client } from '@opensearch-project/opensearch';
import { currentBackend, EnvNames, localServices, requiredEnv } from '../config';

/** One client per container: Lambda reuses it (and its keep-alive connections) across invocations. */
let cachedClient: Promise<Client> | undefined;

/**
 * The OpenSearch client for the current backend:
 * - `services`: plain http to the local node (`localServices().openSearchUrl`, default
 *   http://127.0.0.1:9200; the local distribution has no security plugin);
 * - `aws`: https to the domain endpoint in OPENSEARCH_ENDPOINT, every request signed with SigV4
 *   (service `es`) using the Lambda role's credentials from the default provider chain.
 * The embedded backend has no client: it uses EmbeddedSearchIndex.
 */
export function openSearchClientFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  cachedClient ??= createClient(env).catch((error: unknown) => {
    cachedClient = undefined; // a failed creation must not poison the container
    throw error;
  });
  return cachedClient;
}

/** Closes and forgets the cached client (tests, graceful shutdown of the local runtime). */
export async function closeOpenSearchClient(): Promise<void> {
  const client = cachedClient;
  cachedClient = undefined;
  if (client) await (await client).close();
}

async function createClient(env: NodeJS.ProcessEnv): Promise<Client> {
  const backend = currentBackend(env);
  if (backend === 'services') return new Client({ node: localServices(env).openSearchUrl });
  if (backend === 'aws') {
    // Imported lazily so local runs never load the AWS SDK credential chain.
    const { AwsSigv4Signer } = await import('@opensearch-project/opensearch/aws');
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    const credentials = defaultProvider(); // memoized; refreshes the role's credentials before they expire
    return new Client({
      ...AwsSigv4Signer({ region: requiredEnv('AWS_REGION', env), service: 'es', getCredentials: () => credentials() }),
      node: domainUrl(requiredEnv(EnvNames.openSearchEndpoint, env)),
    });
  }
  throw new Error('the embedded backend has no OpenSearch client; use EmbeddedSearchIndex');
}

/** The CDK domain endpoint is a bare host name; the client needs a URL. */
export function domainUrl(endpoint: string): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
}
