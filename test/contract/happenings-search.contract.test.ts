/**
 * The happenings search on the real stores: change records relayed from the MySQL outbox,
 * projected into the local OpenSearch (geo_point, tombstones, external versions), searched there
 * — and the fallback, MySQL itself, when the cluster is unreachable (the adapter's own
 * `Unavailable`, not a mock), answering the same happenings in the same order, with paging that
 * goes on across the switch. Fails (never skips) when MariaDB or OpenSearch is not running.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@opensearch-project/opensearch';
import { MySqlHappeningRepository } from '../../lambdas/happenings/adapters/mysql-happening-repository';
import type { HappeningChange } from '../../lambdas/happenings/domain/change';
import type { HappeningFields } from '../../lambdas/happenings/domain/happening';
import { relayPending } from '../../lambdas/happenings/domain/outbox';
import { HAPPENINGS_INDEX, happeningsIndexDefinition, projectChanges } from '../../lambdas/happenings/domain/projection';
import type { HappeningQuery } from '../../lambdas/happenings/domain/query';
import { findHappenings } from '../../lambdas/happenings/domain/search';
import { createHappening, deleteHappening, updateHappening } from '../../lambdas/happenings/domain/writes';
import type { EventBus, OutgoingRecord } from '../../lambdas/platform/bus/event-bus';
import { localServices } from '../../lambdas/platform/config';
import type { DecodedRecord } from '../../lambdas/platform/kafka/decode';
import { OpenSearchIndex } from '../../lambdas/platform/search/opensearch-index';
import type { SearchIndex } from '../../lambdas/platform/search/search-index';
import { temporaryDatabase } from '../support/mariadb';

const indexName = `happenings-contract-${randomBytes(4).toString('hex')}`;

/** The port with `happenings` renamed, so this run has an index of its own on the shared node. */
function renamed(index: SearchIndex): SearchIndex {
  const name = (n: string) => (n === HAPPENINGS_INDEX ? indexName : n);
  return {
    ensureIndex: (definition) => index.ensureIndex({ ...definition, name: name(definition.name) }),
    bulkUpsert: (n, documents) => index.bulkUpsert(name(n), documents),
    get: (n, id) => index.get(name(n), id),
    delete: (n, id) => index.delete(name(n), id),
    search: (n, query) => index.search(name(n), query),
    aggregate: (n, request) => index.aggregate(name(n), request),
    deleteWhere: (pattern, filters) => index.deleteWhere(name(pattern), filters),
    refresh: (n) => index.refresh(name(n)),
    createIndex: (n, definition, aliases) => index.createIndex(name(n), definition, aliases?.map(name)),
    aliasTargets: (n) => index.aliasTargets(name(n)),
    swapAlias: (alias, swap) => index.swapAlias(name(alias), { add: swap.add?.map(name), remove: swap.remove?.map(name) }),
    deleteIndex: (n) => index.deleteIndex(name(n)),
    close: () => index.close(),
  };
}

/** A bus that keeps what it is given, as Kafka would once it acknowledged. */
class CollectingBus implements EventBus {
  readonly records: OutgoingRecord[] = [];
  async publish(_topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async close(): Promise<void> {}
}

const decoded = (records: readonly OutgoingRecord[]): DecodedRecord<HappeningChange>[] =>
  records.map((record, offset) => ({
    topic: 'happenings.changes',
    partition: 0,
    offset,
    timestamp: Date.now(),
    key: record.key,
    headers: {},
    value: JSON.parse(record.value ?? 'null') as HappeningChange,
    rawValue: Buffer.from(record.value ?? '').toString('base64'),
  }));

let client: Client;
let search: SearchIndex;
let unreachable: SearchIndex;
let repository: MySqlHappeningRepository;
let dropDatabase: () => Promise<void>;
const topic = `t${randomBytes(3).toString('hex')}`;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const db = await temporaryDatabase('happsearch');
  dropDatabase = db.drop;
  repository = new MySqlHappeningRepository(db.pool);
  client = new Client({ node: localServices().openSearchUrl, requestTimeout: 20_000 });
  search = renamed(new OpenSearchIndex(client, { numberOfShards: 1, numberOfReplicas: 0 }));
  await search.ensureIndex(happeningsIndexDefinition);

  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  await once(closed, 'close');
  unreachable = renamed(
    new OpenSearchIndex(new Client({ node: `http://127.0.0.1:${port}`, maxRetries: 0 }), { closeClient: true }),
  );

  const now = new Date('2030-01-01T00:00:00Z');
  const write = async (
    title: string,
    starts: string,
    ends: string,
    at: [number, number],
    extra: Partial<HappeningFields> = {},
  ) => {
    const fields: HappeningFields = {
      title,
      description: `${title.replace('-', ' ')} for everyone`,
      startsAt: new Date(starts).toISOString(),
      endsAt: new Date(ends).toISOString(),
      timezone: 'Europe/Warsaw',
      place: { name: title.split('-')[0]!, lat: at[0], lon: at[1] },
      topics: [topic],
      ...extra,
    };
    ids[title] = (await createHappening(repository, fields, now, randomUUID)).happening.id;
  };
  await write('warsaw-jazz', '2031-06-01T18:00:00Z', '2031-06-01T21:00:00Z', [52.2297, 21.0122], { topics: [topic, 'music'] });
  await write('berlin-jazz', '2031-06-01T18:00:00Z', '2031-06-01T20:00:00Z', [52.52, 13.405], { topics: [topic, 'music'] });
  await write('krakow-festival', '2031-05-28T10:00:00Z', '2031-06-05T22:00:00Z', [50.0647, 19.945], { topics: [topic, 'music'] });
  await write('lodz-lecture', '2031-06-03T17:00:00Z', '2031-06-03T18:00:00Z', [51.7592, 19.456]);
  await write('gdansk-run', '2031-06-10T07:00:00Z', '2031-06-10T10:00:00Z', [54.352, 18.6466]);
  await write('warsaw-chess', '2031-06-02T09:00:00Z', '2031-06-02T17:00:00Z', [52.23, 21.01]);
  await write('poznan-market', '2031-06-01T18:00:00Z', '2031-06-01T23:00:00Z', [52.4064, 16.9252]);
  await write('gone-soon', '2031-06-04T10:00:00Z', '2031-06-04T11:00:00Z', [52.2, 21]);
  await updateHappening(repository, ids['warsaw-chess']!, { title: 'warsaw-go', description: 'board games all day' }, now);
  await deleteHappening(repository, ids['gone-soon']!, now);

  const bus = new CollectingBus();
  const relayed = await relayPending(repository, bus, 'happenings.changes', () => now);
  expect(relayed).toMatchObject({ relayed: 10, backlog: { pending: 0 } });
  // Delivered newest first, and twice: the projection keeps the newest version all the same.
  const records = decoded(bus.records);
  await projectChanges(search, [...records].reverse(), now);
  await projectChanges(search, records, now);
  await search.refresh(HAPPENINGS_INDEX);
}, 60_000);

afterAll(async () => {
  await client?.indices.delete({ index: indexName }, { ignore: [404] });
  await client?.close();
  await unreachable?.close();
  await dropDatabase?.();
});

const queries: [string, Partial<HappeningQuery>][] = [
  ['by topic', {}],
  ['by another topic', { topics: ['music'] }],
  ['in a time range', { fromMs: Date.parse('2031-06-02T00:00:00Z'), toMs: Date.parse('2031-06-04T00:00:00Z') }],
  ['from a time on', { fromMs: Date.parse('2031-06-05T00:00:00Z') }],
  ['near a point', { near: { lat: 52.2297, lon: 21.0122 } }],
  ['within a radius', { near: { lat: 52.2297, lon: 21.0122 }, radiusKm: 300 }],
  ['by whole words', { text: 'jazz' }],
  [
    'by words, near, in a range',
    { text: 'jazz board market', near: { lat: 52, lon: 17 }, fromMs: Date.parse('2031-06-01T00:00:00Z') },
  ],
];

const q = (query: Partial<HappeningQuery>): HappeningQuery => ({ topics: [topic], limit: 100, ...query });

describe('happenings search on OpenSearch and its MySQL fallback', () => {
  it('the index holds the newest version of each happening and a tombstone for the deleted one', async () => {
    expect(await search.get(HAPPENINGS_INDEX, ids['warsaw-chess']!)).toMatchObject({
      title: 'warsaw-go',
      version: 2,
      deleted: false,
    });
    expect(await search.get(HAPPENINGS_INDEX, ids['gone-soon']!)).toMatchObject({ deleted: true, version: 2 });
  });

  it.each(queries)('%s: both stores answer the same happenings in the same order', async (_label, query) => {
    const fromIndex = await findHappenings(
      async () => search,
      async () => repository,
      q(query),
    );
    const fromDatabase = await findHappenings(
      async () => unreachable,
      async () => repository,
      q(query),
    );
    expect(fromIndex.source).toBe('search');
    expect(fromDatabase.source).toBe('database');
    expect(fromDatabase.fallbackReason).toMatch(/unavailable|busy|starting/i);
    const titles = (page: typeof fromIndex.page) => page.items.map((item) => item.happening.title);
    expect(titles(fromIndex.page).length).toBeGreaterThan(0);
    expect(titles(fromIndex.page)).not.toContain('gone-soon');
    expect(titles(fromDatabase.page)).toEqual(titles(fromIndex.page));
    expect(fromDatabase.page.items.map((i) => i.happening)).toEqual(fromIndex.page.items.map((i) => i.happening));
    fromIndex.page.items.forEach((item, i) => {
      if (item.distanceKm === undefined) return;
      expect(Math.abs(item.distanceKm - fromDatabase.page.items[i]!.distanceKm!)).toBeLessThan(0.01);
    });
  });

  it.each([
    ['start time', {}],
    ['distance', { near: { lat: 51, lon: 19 } }],
  ])('pages by %s on each store, and across a switch from the index to the database', async (_label, query) => {
    const whole = (
      await findHappenings(
        async () => search,
        async () => repository,
        q(query),
      )
    ).page.items.map((i) => i.happening.id);
    for (const [first, rest] of [
      [search, search],
      [unreachable, unreachable],
      [search, unreachable],
      [unreachable, search],
    ] as const) {
      const seen: string[] = [];
      let after: HappeningQuery['after'];
      for (let page = 0; page < 20; page++) {
        const index = page === 0 ? first : rest;
        const answer = await findHappenings(
          async () => index,
          async () => repository,
          q({ ...query, limit: 2, ...(after ? { after } : {}) }),
        );
        seen.push(...answer.page.items.map((i) => i.happening.id));
        after = answer.page.next;
        if (!after) break;
      }
      expect(seen).toEqual(whole);
    }
  });
});
