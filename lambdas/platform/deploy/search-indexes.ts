/**
 * Deploy-time custom resource: creates or extends the OpenSearch indices the manifest declares
 * (the capabilities' `searchIndexes`), passed as the `Definitions` property (JSON), so a changed
 * definition changes the property and makes CloudFormation run this again.
 */
import { ensureIndexes } from '../search/index-templates';
import { closeOpenSearchClient, openSearchClientFromEnv } from '../search/opensearch-client';
import { OpenSearchIndex } from '../search/opensearch-index';
import type { IndexDefinition } from '../search/search-index';
import { convergingResource, jsonProperty } from './custom-resource';

export const handler = convergingResource('eventline-search-indexes', async (properties) => {
  const definitions = jsonProperty<IndexDefinition[]>(properties, 'Definitions');
  try {
    await ensureIndexes(new OpenSearchIndex(await openSearchClientFromEnv()), definitions);
    return { Indexes: definitions.map((d) => d.name).join(',') || 'none' };
  } finally {
    await closeOpenSearchClient();
  }
});
