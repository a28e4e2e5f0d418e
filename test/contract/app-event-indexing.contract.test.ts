import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { configureEmbeddedPlatform, Topics } from '../support/topics';

configureEmbeddedPlatform();

import { localServices } from '../../lambdas/platform/config';
import type { DecodedRecord } from '../../lambdas/platform/kafka/decode';
import { EmbeddedSearchIndex } from '../../lambdas/platform/search/embedded-index';
import { OpenSearchIndex } from '../../lambdas/platform/search/opensearch-index';
import type { SearchIndex } from '../../lambdas/platform/search/search-index';
import { appEventIndexName } from '../../lambdas/tracking/domain/app-event-index';
import { EnsuredIndexes, indexAppEvents } from '../../lambdas/tracking/domain/app-event-indexing';
import type { AppEventRecord } from '../../lambdas/tracking/domain/app-events';

let offset = 0;
function record(value: AppEventRecord): DecodedRecord<AppEventRecord> {
  return {
    topic: Topics.appEvents,
    partition: 0,
    offset: offset++,
    timestamp: 0,
    key: `${value.app_id}/${value.user_id}`,
    headers: {},
    value,
    rawValue: Buffer.from(JSON.stringify(value)).toString('base64'),
  };
}

const event = (appId: string, eventId: string, properties: AppEventRecord['properties']): AppEventRecord => ({
  app_id: appId,
  event_id: eventId,
  type: 'purchase_sword',
  user_id: 'player-1',
  time: '2024-05-01T10:00:01.000Z',
  received_at: '2024-05-01T10:00:02.000Z',
  properties,
});

/** The app-event indexing rules hold on both search adapters: one document per event id, first copy wins. */
function describeAppEventIndexing(
  name: string,
  open: () => Promise<{ search: SearchIndex; drop: (appId: string) => Promise<void>; close: () => Promise<void> }>,
) {
  describe(`app event indexing: ${name}`, () => {
    const appId = `idx-${randomBytes(4).toString('hex')}`;
    let search: SearchIndex;
    let drop: (appId: string) => Promise<void>;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ search, drop, close } = await open());
    });
    afterAll(async () => {
      await drop(appId);
      await close();
    });

    it('creates the app index on first use and stores one document per event id, the first copy winning', async () => {
      const indexes = new EnsuredIndexes();
      const first = event(appId, 'e-1', { price: 120, currency: 'gold', legendary: true });
      const batch = [
        record(first),
        record(event(appId, 'e-2', { guild: 'Knights' })),
        record(event(appId, 'e-1', { price: 999 })),
      ];
      expect(await indexAppEvents(search, indexes, batch)).toEqual({ written: 3, refused: [] });
      // A later resend and a redelivered batch change nothing.
      await indexAppEvents(search, indexes, [record(event(appId, 'e-2', { guild: 'Pirates' }))]);
      await indexAppEvents(search, new EnsuredIndexes(), batch);
      await search.refresh(appEventIndexName(appId));

      expect(await search.get(appEventIndexName(appId), 'e-1')).toEqual(first);
      expect(await search.get(appEventIndexName(appId), 'e-2')).toMatchObject({ properties: { guild: 'Knights' } });
      const hits = await search.search(appEventIndexName(appId), {
        filters: [{ term: { field: 'type', value: 'purchase_sword' } }],
      });
      expect(hits.total).toBe(2);
      // Properties are searchable by value (dynamic mapping of the properties object).
      const knights = await search.search(appEventIndexName(appId), {
        filters: [{ term: { field: 'properties.guild', value: 'Knights' } }],
      });
      expect(knights.hits.map((h) => h.id)).toEqual(['e-2']);
    });
  });
}

describeAppEventIndexing('embedded', async () => ({
  search: new EmbeddedSearchIndex(),
  drop: async () => {},
  close: async () => {},
}));
describeAppEventIndexing('opensearch (127.0.0.1:9200)', async () => {
  const url = localServices().openSearchUrl;
  const client = new Client({ node: url, requestTimeout: 20_000 });
  try {
    await client.cluster.health({});
  } catch (error) {
    await client.close();
    throw new Error(`OpenSearch is not reachable at ${url} (${(error as Error).message}); start it with npm run services:up`);
  }
  const search = new OpenSearchIndex(client, { numberOfShards: 1, numberOfReplicas: 0 });
  return {
    search,
    drop: async (appId) => {
      await client.indices.delete({ index: appEventIndexName(appId) }, { ignore: [404] });
    },
    close: async () => {
      await search.close();
      await client.close();
    },
  };
});
