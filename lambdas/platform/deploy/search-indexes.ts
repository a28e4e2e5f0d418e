/**
 * Deploy-time custom resource: creates or extends the OpenSearch indices the manifest declares
 * (the capabilities' `searchIndexes`), passed as the `Definitions` property (JSON), so a changed
 * definition changes the property and makes CloudFormation run this again.
 */
import type { IndexDefinition } from '../search/search-index';
import { convergingResource, jsonProperty } from './custom-resource';

export const handler = convergingResource('eventline-search-indexes', async (properties) => {
  const definitions = jsonProperty<IndexDefinition[]>(properties, 'Definitions');
  // Loaded when CloudFormation calls, not at init: the OpenSearch client comes from the layer.
  const [{ ensureIndexes }, { closeOpenSearchClient, openSearchClientFromEnv }, { OpenSearchIndex }] = await Promise.all([
    import('../search/index-templates'),
    import('../search/opensearch-client'),
    import('../search/opensearch-index'),
  ]);
  try {
    await ensureIndexes(new OpenSearchIndex(await openSearchClientFromEnv()), definitions);
    return { Indexes: definitions.map((d) => d.name).join(',') || 'none' };
  } finally {
    await closeOpenSearchClient();
  }
});
