import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { Unavailable } from '../../lambdas/platform/errors';
import { configureEmbeddedPlatform, Topics } from '../support/topics';

configureEmbeddedPlatform();

import type { ConsumedRecord, OutgoingRecord } from '../../lambdas/platform/bus/event-bus';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import type { SearchIndex } from '../../lambdas/platform/search/search-index';
import type { DeadLetter } from '../../lambdas/platform/topic-consumer';
import { platform } from '../../lambdas/platform/wiring';
import {
  appRegistry,
  EMBEDDED_DEMO_APP_ID,
  EMBEDDED_DEMO_APP_KEY,
  inMemoryAppEventAggregates,
} from '../../lambdas/tracking/app-events-wiring';
import { appEventIndexName } from '../../lambdas/tracking/domain/app-event-index';
import type { AppEventRecord } from '../../lambdas/tracking/domain/app-events';
import { issueAppKey } from '../../lambdas/tracking/domain/app-registry';
import { handler as aggregateAppEvents } from '../../lambdas/tracking/handlers/aggregate-app-events';
import { handler as authorizeApp } from '../../lambdas/tracking/handlers/authorize-app';
import { handler as indexAppEvents } from '../../lambdas/tracking/handlers/index-app-events';
import { handler as ingestAppEvents } from '../../lambdas/tracking/handlers/ingest-app-events';
import { httpEvent, lambdaContext } from '../support/apigw';

// Runs on the embedded backend (EVENTLINE_BACKEND unset): in-memory registry, bus, search and counts.
afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

const source = { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' };

function authorizerEvent(appId: string | undefined, key: string | undefined): APIGatewayRequestAuthorizerEventV2 {
  const route = httpEvent({ path: `/v1/apps/${appId}/events` });
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:000000000000:local/$default/POST/v1/apps/${appId}/events`,
    identitySource: [key ?? '', `/v1/apps/${appId}/events`],
    routeKey: 'POST /v1/apps/{appId}/events',
    rawPath: route.rawPath,
    rawQueryString: '',
    cookies: [],
    headers: key === undefined ? {} : { 'x-api-key': key },
    requestContext: route.requestContext,
    ...(appId ? { pathParameters: { appId } } : {}),
  };
}

/** What every record published to a topic so far says (read by a throwaway consumer group). */
async function published<T>(topic: string): Promise<{ key: string; value: T }[]> {
  const bus = await platform.localBus();
  const seen: { key: string; value: T }[] = [];
  const subscription = await bus.subscribe({
    groupId: `test-${Math.random()}`,
    topic,
    fromBeginning: true,
    maxBatchSize: 1000,
    maxWaitMs: 10,
    onBatch: async (records) => {
      for (const r of records) seen.push({ key: r.key!.toString(), value: JSON.parse(r.value!.toString()) });
    },
  });
  await new Promise((r) => setTimeout(r, 100));
  await subscription.stop();
  return seen;
}

describe('authorize-app (Lambda authorizer, simple responses)', () => {
  it('allows the embedded demo key for the demo app, with the app and key id as context', async () => {
    const result = await authorizeApp(authorizerEvent(EMBEDDED_DEMO_APP_ID, EMBEDDED_DEMO_APP_KEY), lambdaContext);
    expect(result).toEqual({ isAuthorized: true, context: { appId: EMBEDDED_DEMO_APP_ID, keyId: '00000000000de300' } });
  });

  it('denies a missing key, a malformed or unknown key, another app, and a revoked key', async () => {
    const registry = await appRegistry();
    const other = await issueAppKey(registry, 'other-game', 'Other', new Date());
    expect(await authorizeApp(authorizerEvent(EMBEDDED_DEMO_APP_ID, undefined), lambdaContext)).toEqual({ isAuthorized: false });
    expect(await authorizeApp(authorizerEvent(EMBEDDED_DEMO_APP_ID, 'let-me-in'), lambdaContext)).toEqual({
      isAuthorized: false,
    });
    expect(await authorizeApp(authorizerEvent(EMBEDDED_DEMO_APP_ID, other.key), lambdaContext)).toEqual({ isAuthorized: false });
    expect(await authorizeApp(authorizerEvent(undefined, other.key), lambdaContext)).toEqual({ isAuthorized: false });
    expect(await authorizeApp(authorizerEvent('other-game', other.key), lambdaContext)).toMatchObject({ isAuthorized: true });
    await registry.revokeKey(other.keyId, new Date(Date.now() - 1));
    expect(await authorizeApp(authorizerEvent('other-game', other.key), lambdaContext)).toEqual({ isAuthorized: false });
  });
});

describe('ingest-app-events (POST /v1/apps/{appId}/events)', () => {
  /** `authorizedApp`: the app in the authorizer's context (default: the path's); null = no authorizer ran. */
  const request = (appId: string, body: unknown, authorizedApp: string | null = appId): APIGatewayProxyEventV2 => {
    const event = httpEvent({
      path: `/v1/apps/${appId}/events`,
      pathParameters: { appId },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    if (authorizedApp) Object.assign(event.requestContext, { authorizer: { lambda: { appId: authorizedApp, keyId: 'k' } } });
    return event;
  };
  const call = async (event: APIGatewayProxyEventV2) => {
    const response = (await ingestAppEvents(event, lambdaContext)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    return { status: response.statusCode, contentType: response.headers?.['content-type'], body: JSON.parse(response.body) };
  };

  it('answers per event and publishes exactly the accepted ones, keyed by app and user', async () => {
    const response = await call(
      request('ingest-game', {
        events: [
          { event_id: 'sword-1', type: 'purchase_sword', user_id: 'u1', properties: { price: 120, currency: 'gold' } },
          { event_id: 'bad-1', type: 'PURCHASE', user_id: 'u1', properties: {} },
          { type: 'join_guild', user_id: 'u2', properties: { guild: 'Knights', level: 3 } },
        ],
      }),
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accepted: 2,
      rejected: 1,
      results: [
        { index: 0, event_id: 'sword-1', status: 'accepted' },
        { index: 1, event_id: 'bad-1', status: 'rejected', reason: expect.stringMatching(/^type: /) },
        { index: 2, event_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'accepted' },
      ],
    });
    const records = (await published<AppEventRecord>(Topics.appEvents)).filter((r) => r.value.app_id === 'ingest-game');
    expect(records.map((r) => [r.key, r.value.event_id, r.value.type])).toEqual([
      ['ingest-game/u1', 'sword-1', 'purchase_sword'],
      ['ingest-game/u2', response.body.results[2].event_id, 'join_guild'],
    ]);
    expect(records[1].value.properties).toEqual({ guild: 'Knights', level: 3 });
  });

  it('refuses a body that is not a batch with a 400 problem', async () => {
    for (const body of [[{ type: 'x', user_id: 'u' }], { events: [] }, { events: 'many' }, { events: Array(501).fill({}) }]) {
      const response = await call(request('ingest-game', body));
      expect(response.status).toBe(400);
      expect(response.contentType).toBe('application/problem+json');
      expect(response.body.errors[0].path).toMatch(/^body/);
    }
    expect((await call(request('ingest-game', '{"events": ['))).body.type).toBe('urn:eventline:problem:malformed-json');
  });

  it('answers 403 when the authorizer vouched for another app, or none', async () => {
    for (const authorized of ['someone-else', null]) {
      const response = await call(request('ingest-game', { events: [{ type: 'a', user_id: 'u' }] }, authorized));
      expect(response.status).toBe(403);
      expect(response.body.type).toBe('urn:eventline:problem:forbidden');
    }
  });

  it('answers 503 and claims nothing accepted when Kafka does not take the events', async () => {
    jest.spyOn(platform, 'bus').mockResolvedValue({
      publish: async (_topic: string, _records: readonly OutgoingRecord[]) => {
        // What the Kafka adapter throws when the broker does not take a publish (bus contract test).
        throw new Unavailable('the log could not take the records, retry later');
      },
    } as never);
    const response = await call(request('ingest-game', { events: [{ type: 'a', user_id: 'u' }] }));
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ type: 'urn:eventline:problem:unavailable' });
    expect(response.body).not.toHaveProperty('accepted');
  });
});

/** Accepted events as the topic holds them, at consecutive offsets of one partition. */
function topicRecords(partition: number, firstOffset: number, values: readonly (AppEventRecord | string)[]): ConsumedRecord[] {
  return values.map((value, i) => ({
    topic: Topics.appEvents,
    partition,
    offset: String(firstOffset + i),
    timestamp: Date.parse('2024-05-01T10:00:00Z'),
    key: Buffer.from(typeof value === 'string' ? 'k' : `${value.app_id}/${value.user_id}`),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: {},
  }));
}

const gameEvent = (
  appId: string,
  eventId: string,
  type: string,
  minute: number,
  properties: AppEventRecord['properties'] = {},
): AppEventRecord => ({
  app_id: appId,
  event_id: eventId,
  type,
  user_id: 'player-1',
  time: new Date(Date.parse('2024-05-01T10:00:00.000Z') + minute * 60_000 + 1_000).toISOString(),
  received_at: '2024-05-01T10:30:00.000Z',
  properties,
});

async function deadLetters(): Promise<DeadLetter[]> {
  return (await published<DeadLetter>(Topics.deadLetters)).map((r) => r.value);
}

describe('index-app-events consumer', () => {
  it('indexes each event under its app with event_id as id; copies of an event are one document (the first)', async () => {
    const events = [
      gameEvent('index-game', 'e1', 'purchase_sword', 0, { price: 100 }),
      gameEvent('index-game', 'e2', 'join_guild', 1, { guild: 'Knights' }),
      gameEvent('index-game', 'e1', 'purchase_sword', 0, { price: 999 }), // a resent copy
      gameEvent('index-other', 'e1', 'purchase_knife', 2),
    ];
    await indexAppEvents(toMskEvent(topicRecords(0, 0, events), source), lambdaContext);
    await indexAppEvents(toMskEvent(topicRecords(0, 0, events), source), lambdaContext); // redelivery
    const search = await platform.search();
    const hits = await search.search<AppEventRecord>(appEventIndexName('index-game'), { size: 10 });
    expect(hits.total).toBe(2);
    expect(await search.get(appEventIndexName('index-game'), 'e1')).toEqual(events[0]);
    expect(await search.get(appEventIndexName('index-other'), 'e1')).toEqual(events[3]);
  });

  it('dead-letters what the index refuses for good and fails the batch on transient failures', async () => {
    const real = await platform.search();
    const failing = (retryable: boolean): SearchIndex =>
      ({
        ...real,
        ensureIndex: async () => {},
        bulkUpsert: async (_index: string, documents: readonly { id: string }[]) => ({
          written: documents.filter((d) => d.id !== 'refused').map((d) => d.id),
          failed: [{ id: 'refused', reason: 'mapper_parsing_exception', retryable }],
        }),
      }) as SearchIndex;
    const batch = toMskEvent(
      topicRecords(1, 40, [gameEvent('dl-game', 'fine', 'a', 0), gameEvent('dl-game', 'refused', 'a', 0), '{not json']),
      source,
    );

    jest.spyOn(platform, 'search').mockResolvedValue(failing(true));
    await expect(indexAppEvents(batch, lambdaContext)).rejects.toThrow(/could not be indexed yet/);

    jest.spyOn(platform, 'search').mockResolvedValue(failing(false));
    await indexAppEvents(batch, lambdaContext);
    const letters = (await deadLetters()).filter((l) => l.consumer === 'tracking-index-app-events' && l.source.partition === 1);
    // The poison record is dead-lettered by both runs (before handle), the refused one once.
    expect(letters.filter((l) => l.source.offset === 41).map((l) => l.reason)).toEqual([
      expect.stringContaining('mapper_parsing_exception'),
    ]);
    expect(letters.filter((l) => l.source.offset === 42)).toHaveLength(2);
    expect(letters.some((l) => l.source.offset === 40)).toBe(false);
  });
});

describe('aggregate-app-events consumer', () => {
  it('counts per app, type and minute exactly once: redelivered records and resent events count once', async () => {
    const events = [
      gameEvent('count-game', 'c1', 'purchase_sword', 0),
      gameEvent('count-game', 'c2', 'purchase_sword', 0),
      gameEvent('count-game', 'c3', 'join_guild', 1),
      gameEvent('count-game', 'c2', 'purchase_sword', 0), // the client resent c2
    ];
    const batch = topicRecords(2, 100, events);
    await aggregateAppEvents(toMskEvent(batch, source), lambdaContext);
    await aggregateAppEvents(toMskEvent(batch, source), lambdaContext); // whole redelivery
    await aggregateAppEvents(toMskEvent(batch.slice(2), source), lambdaContext); // partial redelivery
    const t0 = Date.parse('2024-05-01T10:00:00.000Z');
    expect(await inMemoryAppEventAggregates().minuteCounts('count-game', t0, t0 + 3_600_000)).toEqual([
      { appId: 'count-game', type: 'join_guild', minuteMs: t0 + 60_000, count: 1 },
      { appId: 'count-game', type: 'purchase_sword', minuteMs: t0, count: 2 },
    ]);
  });
});
