/**
 * Deploy-time custom resource: creates or extends the OpenSearch indices declared in
 * lambdas/platform/search/index-definitions.ts (bundled into this handler). The
 * `DefinitionsHash` property changes with the definitions, which makes CloudFormation run this again.
 */
import { indexDefinitions } from '../search/index-definitions';
import { ensureIndexes } from '../search/index-templates';
import { closeOpenSearchClient, openSearchClientFromEnv } from '../search/opensearch-client';
import { OpenSearchIndex } from '../search/opensearch-index';
import { convergingResource } from './custom-resource';

export const handler = convergingResource('eventline-search-indexes', async () => {
  try {
    await ensureIndexes(new OpenSearchIndex(await openSearchClientFromEnv()), indexDefinitions);
    return { Indexes: indexDefinitions.map((d) => d.name).join(',') || 'none' };
  } finally {
    await closeOpenSearchClient();
  }
});
