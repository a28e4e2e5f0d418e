/**
 * The happenings handlers on the embedded backend (in-memory store and outbox, embedded bus and
 * search index), called as Lambda calls them: admin-only writes behind the user pool (claims as
 * API Gateway's JWT authorizer hands them over), validation and 404s, the outbox relay (also
 * after a crash between commit and publish), the projection's order safety, search by topic,
 * time range, radius and text with cursor paging, and the MySQL-side fallback when the search
 * index is unavailable.
 */
import type { APIGatewayProxyEventV2, MSKEvent } from 'aws-lambda';
import { configureEmbeddedPlatform } from '../support/topics';

configureEmbeddedPlatform();

import type { HappeningChange } from '../../lambdas/happenings/domain/change';
import type { Happening } from '../../lambdas/happenings/domain/happening';
import { HAPPENINGS_INDEX } from '../../lambdas/happenings/domain/projection';
import { handler as createHappening } from '../../lambdas/happenings/handlers/create-happening';
import { handler as deleteHappening } from '../../lambdas/happenings/handlers/delete-happening';
import { handler as getHappening } from '../../lambdas/happenings/handlers/get-happening';
import { handler as indexChanges } from '../../lambdas/happenings/handlers/index-changes';
import { handler as relayOutbox } from '../../lambdas/happenings/handlers/relay-outbox';
import { handler as searchHappenings } from '../../lambdas/happenings/handlers/search-happenings';
import { handler as updateHappening } from '../../lambdas/happenings/handlers/update-happening';
import { happeningChangesTopic } from '../../lambdas/happenings/topics';
import { happeningRepository } from '../../lambdas/happenings/wiring';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { Unavailable } from '../../lambdas/platform/errors';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import type { ScheduledInvocation } from '../../lambdas/platform/manifest-types';
import { arcDistanceKm } from '../../lambdas/platform/search/geo';
import { platform } from '../../lambdas/platform/wiring';
import { type HandlerAnswer, httpEvent, invokeHttp, lambdaContext } from '../support/apigw';
import { publishedRecords } from '../support/published';

afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

const TOPIC = happeningChangesTopic.name;
const source = { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' };

type User = { username: string; groups: string[] };
const admin: User = { username: 'ada', groups: ['admin'] };
const member: User = { username: 'bob', groups: ['members'] };

type Handler = (event: APIGatewayProxyEventV2, context: typeof lambdaContext) => Promise<unknown>;
type Answer = HandlerAnswer;

async function call(
  handler: Handler,
  method: string,
  path: string,
  options: { user?: User; body?: unknown; query?: string; id?: string } = {},
): Promise<Answer> {
  const event = httpEvent({
    method,
    path,
    rawQueryString: options.query ?? '',
    ...(options.id !== undefined ? { pathParameters: { id: options.id } } : {}),
    ...(options.body !== undefined
      ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  });
  if (options.user) {
    // As API Gateway's JWT authorizer hands claims over: every value a string, groups as "[a b]".
    const claims = {
      sub: `sub-${options.user.username}`,
      username: options.user.username,
      'cognito:groups': `[${options.user.groups.join(' ')}]`,
      token_use: 'access',
      exp: String(Math.floor(Date.now() / 1000) + 600),
    };
    Object.assign(event.requestContext, { authorizer: { jwt: { claims, scopes: ['aws.cognito.signin.user.admin'] } } });
  }
  return invokeHttp(handler, event);
}

const fields = (overrides: Record<string, unknown> = {}) => ({
  title: 'Jazz in the park',
  description: 'An evening of live jazz under the trees.',
  startsAt: '2030-06-01T18:00:00+02:00',
  endsAt: '2030-06-01T21:00:00+02:00',
  timezone: 'Europe/Warsaw',
  place: { name: 'Łazienki Park', lat: 52.215, lon: 21.035 },
  topics: ['music'],
  ...overrides,
});

const create = (overrides: Record<string, unknown> = {}) =>
  call(createHappening, 'POST', '/v1/happenings', { user: admin, body: fields(overrides) });

/** Feeds every record on happenings.changes so far to the projection, as the MSK mapping would (replays included). */
async function project(records?: ConsumedRecord[]): Promise<void> {
  const all = records ?? (await publishedRecords(TOPIC));
  if (all.length > 0) await indexChanges(toMskEvent(all, source) as MSKEvent, lambdaContext);
}

async function runRelay(scheduledTime = '2030-01-01T00:01:00Z') {
  const invocation: ScheduledInvocation = {
    source: 'eventline.scheduler',
    schedule: 'happenings-outbox-relay',
    scheduledTime,
    executionId: 'test',
  };
  return (await relayOutbox(invocation, lambdaContext)) as { relayed: number; pending: number; tombstonesPurged: number };
}

const changesOf = async (id: string) =>
  (await publishedRecords(TOPIC)).map((r) => JSON.parse(r.value!.toString()) as HappeningChange).filter((c) => c.id === id);

describe('admin writes', () => {
  it('creates: 201 with a new id, version 1, times in UTC and a Location; the change is published at once', async () => {
    const created = await create();
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      ...fields(),
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      version: 1,
      startsAt: '2030-06-01T16:00:00.000Z',
      endsAt: '2030-06-01T19:00:00.000Z',
      createdAt: expect.any(String),
      updatedAt: created.body.createdAt,
    });
    expect(created.headers.location).toBe(`/v1/happenings/${created.body.id}`);
    const records = (await publishedRecords(TOPIC)).filter((r) => r.key?.toString() === created.body.id);
    expect(records.map((r) => JSON.parse(r.value!.toString()))).toEqual([
      expect.objectContaining({ id: created.body.id, version: 1, deleted: false, happening: created.body }),
    ]);
    expect(await (await happeningRepository()).outboxBacklog()).toEqual({ pending: 0 });
    const read = await call(getHappening, 'GET', `/v1/happenings/${created.body.id}`, { id: created.body.id });
    expect(read).toMatchObject({ status: 200, body: created.body });
  });

  it('answers 403 to a signed-in user who is not an admin, and to no user at all; nothing is written', async () => {
    const before = (await publishedRecords(TOPIC)).length;
    const denied = await call(createHappening, 'POST', '/v1/happenings', { user: member, body: fields() });
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toBe('application/problem+json');
    expect(denied.body.detail).toBe('only admins manage happenings');
    expect((await call(createHappening, 'POST', '/v1/happenings', { body: fields() })).status).toBe(403);
    const created = await create();
    const id = created.body.id;
    expect(
      (await call(updateHappening, 'PATCH', `/v1/happenings/${id}`, { user: member, id, body: { title: 'x' } })).status,
    ).toBe(403);
    expect((await call(deleteHappening, 'DELETE', `/v1/happenings/${id}`, { user: member, id })).status).toBe(403);
    expect((await publishedRecords(TOPIC)).length).toBe(before + 1);
    expect((await call(getHappening, 'GET', `/v1/happenings/${id}`, { id })).body.version).toBe(1);
  });

  it('refuses invalid input with a problem naming each field', async () => {
    const bad = await create({
      endsAt: '2030-06-01T17:00:00+02:00',
      timezone: 'Europe/Atlantis',
      topics: ['Music'],
      place: { name: 'P', lat: 91, lon: 0 },
      organiser: 'me',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe('application/problem+json');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.organiser',
      'body.place.lat',
      'body.timezone',
      'body.topics.0',
    ]);
    const backwards = await create({ endsAt: '2030-06-01T17:00:00+02:00' });
    expect(backwards.body.errors).toEqual([{ path: 'body.endsAt', message: 'must be after startsAt' }]);
    const noOffset = await create({ startsAt: '2030-06-01T18:00:00' });
    expect(noOffset.body.errors[0].path).toBe('body.startsAt');
    expect((await call(createHappening, 'POST', '/v1/happenings', { user: admin, body: '{"title":' })).status).toBe(400);
  });

  it('changes some fields, one version on; checks the merged times; 404 for an unknown happening, 400 for a malformed id', async () => {
    const { body: h } = await create();
    const renamed = await call(updateHappening, 'PATCH', `/v1/happenings/${h.id}`, {
      user: admin,
      id: h.id,
      body: { title: 'Jazz by the lake', topics: ['music', 'jazz'] },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({
      ...h,
      title: 'Jazz by the lake',
      topics: ['music', 'jazz'],
      version: 2,
      updatedAt: expect.any(String),
    });
    const tooLate = await call(updateHappening, 'PATCH', `/v1/happenings/${h.id}`, {
      user: admin,
      id: h.id,
      body: { startsAt: '2030-06-01T22:00:00+02:00' },
    });
    expect(tooLate.status).toBe(400);
    expect(tooLate.body.errors[0].path).toBe('body.startsAt');
    const moved = await call(updateHappening, 'PATCH', `/v1/happenings/${h.id}`, {
      user: admin,
      id: h.id,
      body: { startsAt: '2030-06-08T18:00:00+02:00', endsAt: '2030-06-08T21:00:00+02:00' },
    });
    expect(moved.body.version).toBe(3);
    const records = await changesOf(h.id);
    expect(records.map((c) => c.version)).toEqual([1, 2, 3]);
    expect(records[2]).toMatchObject({
      previousStartsAt: h.startsAt,
      startsAt: '2030-06-08T16:00:00.000Z',
      timezone: 'Europe/Warsaw',
    });

    const unknown = '00000000-0000-4000-8000-000000000000';
    const missing = await call(updateHappening, 'PATCH', `/v1/happenings/${unknown}`, {
      user: admin,
      id: unknown,
      body: { title: 'x' },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect(
      (await call(updateHappening, 'PATCH', '/v1/happenings/nope', { user: admin, id: 'nope', body: { title: 'x' } })).status,
    ).toBe(400);
    const empty = await call(updateHappening, 'PATCH', `/v1/happenings/${h.id}`, { user: admin, id: h.id, body: {} });
    expect(empty.status).toBe(400);
  });

  it('deletes: 204, then 404 everywhere; the delete is published one version on, with the last values', async () => {
    const { body: h } = await create({ title: 'Soon gone' });
    const deleted = await call(deleteHappening, 'DELETE', `/v1/happenings/${h.id}`, { user: admin, id: h.id });
    expect(deleted.status).toBe(204);
    expect((await call(getHappening, 'GET', `/v1/happenings/${h.id}`, { id: h.id })).status).toBe(404);
    expect((await call(deleteHappening, 'DELETE', `/v1/happenings/${h.id}`, { user: admin, id: h.id })).status).toBe(404);
    expect(
      (await call(updateHappening, 'PATCH', `/v1/happenings/${h.id}`, { user: admin, id: h.id, body: { title: 'back' } })).status,
    ).toBe(404);
    const [, deletion] = await changesOf(h.id);
    expect(deletion).toEqual({
      id: h.id,
      version: 2,
      deleted: true,
      changedAt: expect.any(String),
      title: 'Soon gone',
      startsAt: h.startsAt,
      endsAt: h.endsAt,
      timezone: 'Europe/Warsaw',
      placeName: 'Łazienki Park',
    });
  });
});

describe('search', () => {
  const topic = 'contract-city-events';
  const ids: Record<string, string> = {};
  const search = (query: string) => call(searchHappenings, 'GET', '/v1/happenings', { query });
  const titles = (answer: Answer) => answer.body.items.map((h: Happening) => h.title);

  beforeAll(async () => {
    const cities = {
      'warsaw-jazz': {
        at: { lat: 52.2297, lon: 21.0122 },
        starts: '2031-06-01T18:00:00Z',
        ends: '2031-06-01T21:00:00Z',
        topics: [topic, 'music'],
      },
      'lodz-lecture': {
        at: { lat: 51.7592, lon: 19.456 },
        starts: '2031-06-03T17:00:00Z',
        ends: '2031-06-03T18:00:00Z',
        topics: [topic, 'science'],
      },
      'krakow-festival': {
        at: { lat: 50.0647, lon: 19.945 },
        starts: '2031-05-28T10:00:00Z',
        ends: '2031-06-05T22:00:00Z',
        topics: [topic, 'music'],
      },
      'gdansk-run': {
        at: { lat: 54.352, lon: 18.6466 },
        starts: '2031-06-10T07:00:00Z',
        ends: '2031-06-10T10:00:00Z',
        topics: [topic, 'sport'],
      },
      'berlin-jazz': {
        at: { lat: 52.52, lon: 13.405 },
        starts: '2031-06-01T18:00:00Z',
        ends: '2031-06-01T20:00:00Z',
        topics: [topic, 'music'],
      },
      'warsaw-chess': {
        at: { lat: 52.23, lon: 21.01 },
        starts: '2031-06-02T09:00:00Z',
        ends: '2031-06-02T17:00:00Z',
        topics: [topic, 'games'],
      },
    };
    for (const [title, c] of Object.entries(cities)) {
      const created = await create({
        title,
        description: title.endsWith('jazz') ? 'Smooth saxophone all night' : `A ${title.split('-')[1]} for everyone`,
        startsAt: c.starts,
        endsAt: c.ends,
        place: { name: title.split('-')[0], ...c.at },
        topics: c.topics,
      });
      expect(created.status).toBe(201);
      ids[title] = created.body.id;
    }
    await project();
  });

  it('finds by topic, ordered by start time, answered by the search index', async () => {
    const answer = await search(`topic=${topic}`);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-eventline-source']).toBe('search');
    expect(titles(answer)).toEqual([
      'krakow-festival',
      ...['warsaw-jazz', 'berlin-jazz'].sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1)),
      'warsaw-chess',
      'lodz-lecture',
      'gdansk-run',
    ]);
    expect(titles(await search(`topic=${topic}&topic=sport&topic=games`)).sort()).toEqual(titles(answer).sort());
    expect(titles(await search('topic=science'))).toEqual(['lodz-lecture']);
  });

  it('finds what is on in a time range (overlapping it, not only starting in it)', async () => {
    expect(titles(await search(`topic=${topic}&from=2031-06-02T00:00:00Z&to=2031-06-03T00:00:00Z`))).toEqual([
      'krakow-festival',
      'warsaw-chess',
    ]);
    expect(titles(await search(`topic=${topic}&from=2031-06-06T00:00:00%2B02:00`))).toEqual(['gdansk-run']);
    expect(titles(await search(`topic=${topic}&to=2031-05-29T00:00:00Z`))).toEqual(['krakow-festival']);
  });

  it('finds within a radius, nearest first, with each distance', async () => {
    const answer = await search(`topic=${topic}&near=52.2297,21.0122&radiusKm=300`);
    expect(titles(answer)).toEqual(['warsaw-jazz', 'warsaw-chess', 'lodz-lecture', 'krakow-festival', 'gdansk-run']);
    for (const item of answer.body.items as (Happening & { distanceKm: number })[]) {
      expect(item.distanceKm).toBeCloseTo(arcDistanceKm(52.2297, 21.0122, item.place.lat, item.place.lon), 2);
    }
    expect(titles(await search(`topic=${topic}&near=52.2297,21.0122&radiusKm=5`))).toEqual(['warsaw-jazz', 'warsaw-chess']);
    expect(titles(await search(`topic=${topic}&near=52.52,13.405`))[0]).toBe('berlin-jazz');
  });

  it('finds by text in the title and description, combined with the other filters', async () => {
    expect(titles(await search(`topic=${topic}&q=saxophone`)).sort()).toEqual(['berlin-jazz', 'warsaw-jazz']);
    expect(titles(await search(`topic=${topic}&q=saxo`)).sort()).toEqual(['berlin-jazz', 'warsaw-jazz']);
    expect(titles(await search(`topic=${topic}&q=saxophone&near=52.2297,21.0122&radiusKm=100`))).toEqual(['warsaw-jazz']);
    expect(titles(await search(`topic=${topic}&q=LECTURE`))).toEqual(['lodz-lecture']);
    expect(titles(await search(`topic=${topic}&q=opera`))).toEqual([]);
  });

  it.each([
    ['start time', `topic=${topic}`],
    ['distance', `topic=${topic}&near=51,20`],
    ['distance within a radius and a range', `topic=${topic}&near=52,20&radiusKm=400&from=2031-06-01T00:00:00Z`],
  ])('pages by %s: every happening exactly once across pages', async (_label, query) => {
    const whole = (await search(query)).body.items.map((h: Happening) => h.id);
    expect(whole.length).toBeGreaterThanOrEqual(4);
    for (const limit of [1, 2, 4]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const answer = await search(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(answer.status).toBe(200);
        expect(answer.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...answer.body.items.map((h: Happening) => h.id));
        cursor = answer.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(whole);
    }
  });

  it('refuses bad queries with a problem naming the parameter', async () => {
    const problem = async (query: string) => {
      const answer = await search(query);
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      return answer.body.errors.map((e: { path: string }) => e.path);
    };
    expect(await problem('radiusKm=10')).toEqual(['query.radiusKm']);
    expect(await problem('near=91,0')).toEqual(['query.near']);
    expect(await problem('near=52.1')).toEqual(['query.near']);
    expect(await problem('radiusKm=1e3&near=1,1')).toEqual(['query.radiusKm']);
    expect(await problem('from=2031-06-02T00:00:00Z&to=2031-06-01T00:00:00Z')).toEqual(['query.to']);
    expect(await problem('from=tomorrow')).toEqual(['query.from']);
    expect(await problem('limit=101')).toEqual(['query.limit']);
    expect(await problem('limit=1&limit=2')).toEqual(['query.limit']);
    expect(await problem('topic=Music')).toEqual(['query.topic.0']);
    expect(await problem('sort=distance')).toEqual(['query.sort']);
    expect(await problem('cursor=abc')).toEqual(['query.cursor']);
    const first = await search(`topic=${topic}&limit=1`);
    expect(await problem(`topic=music&limit=1&cursor=${first.body.nextCursor}`)).toEqual(['query.cursor']);
  });

  it('follows changes: an update is found by its new values, a delete is no longer found', async () => {
    const id = ids['warsaw-chess']!;
    await call(updateHappening, 'PATCH', `/v1/happenings/${id}`, {
      user: admin,
      id,
      body: { title: 'warsaw-go', topics: [topic, 'board-games'] },
    });
    await call(deleteHappening, 'DELETE', `/v1/happenings/${ids['gdansk-run']}`, { user: admin, id: ids['gdansk-run'] });
    await project();
    expect(titles(await search('topic=board-games'))).toEqual(['warsaw-go']);
    expect(titles(await search('topic=games'))).toEqual([]);
    expect(titles(await search('topic=sport'))).toEqual([]);
    ids['warsaw-go'] = id;
  });

  it('answers from the store of record when the search index is unavailable, saying so', async () => {
    const queries = [
      `topic=${topic}`,
      `topic=${topic}&near=52.2297,21.0122&radiusKm=300`,
      `topic=${topic}&from=2031-06-02T00:00:00Z&to=2031-06-03T00:00:00Z`,
      `topic=${topic}&q=saxophone`,
    ];
    const fromIndex = await Promise.all(queries.map(search));
    const index = await platform.search();
    const searching = jest.spyOn(index, 'search').mockRejectedValue(new Unavailable('the search cluster is busy or starting'));
    for (const [i, query] of queries.entries()) {
      const answer = await search(query);
      expect(answer.status).toBe(200);
      expect(answer.headers['x-eventline-source']).toBe('database');
      expect(titles(answer)).toEqual(titles(fromIndex[i]!));
    }
    // Paging goes on across the switch: the cursor of the index's page resumes in the database.
    searching.mockRestore();
    const firstPage = await search(`topic=${topic}&limit=2`);
    jest.spyOn(index, 'search').mockRejectedValue(new Unavailable('down'));
    const rest = await search(`topic=${topic}&limit=10&cursor=${firstPage.body.nextCursor}`);
    expect(rest.headers['x-eventline-source']).toBe('database');
    expect([...titles(firstPage), ...titles(rest)]).toEqual(titles(fromIndex[0]!));
  });

  it('does not hide other search failures behind the fallback', async () => {
    jest.spyOn(await platform.search(), 'search').mockRejectedValue(new Error('index_not_found_exception'));
    const answer = await search(`topic=${topic}`);
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toBe('application/problem+json');
  });
});

describe('the outbox relay', () => {
  it('publishes later what a crash between commit and publish left behind; replays are harmless', async () => {
    const failing = { publish: jest.fn().mockRejectedValue(new Unavailable('kafka is down')), close: async () => {} };
    jest.spyOn(platform, 'bus').mockResolvedValue(failing);
    const created = await create({ title: 'Committed, not yet published', topics: ['outbox-test'] });
    expect(created.status).toBe(201);
    expect(failing.publish).toHaveBeenCalledTimes(1);
    jest.restoreAllMocks();

    const repository = await happeningRepository();
    expect((await repository.outboxBacklog()).pending).toBe(1);
    expect(await changesOf(created.body.id)).toEqual([]);
    await project();
    expect((await call(searchHappenings, 'GET', '/v1/happenings', { query: 'topic=outbox-test' })).body.items).toEqual([]);

    const run = await runRelay();
    expect(run).toMatchObject({ relayed: 1, pending: 0 });
    expect((await changesOf(created.body.id)).map((c) => c.version)).toEqual([1]);
    await project();
    const found = await call(searchHappenings, 'GET', '/v1/happenings', { query: 'topic=outbox-test' });
    expect(found.body.items).toEqual([created.body]);

    // Nothing left: a second run publishes nothing. Publishing a record again (a relay that died
    // after Kafka's ack but before marking it) and projecting again changes nothing.
    expect(await runRelay()).toMatchObject({ relayed: 0, pending: 0 });
    const [record] = (await publishedRecords(TOPIC)).filter((r) => r.key?.toString() === created.body.id);
    await project([record!, record!]);
    expect((await call(searchHappenings, 'GET', '/v1/happenings', { query: 'topic=outbox-test' })).body.items).toEqual([
      created.body,
    ]);
  });

  it('a failed relay run leaves the records pending for the next', async () => {
    const failing = { publish: jest.fn().mockRejectedValue(new Unavailable('kafka is down')), close: async () => {} };
    jest.spyOn(platform, 'bus').mockResolvedValue(failing);
    await create({ title: 'Pending twice', topics: ['outbox-test-2'] });
    await expect(runRelay()).rejects.toThrow(Unavailable);
    jest.restoreAllMocks();
    expect((await (await happeningRepository()).outboxBacklog()).pending).toBe(1);
    expect(await runRelay()).toMatchObject({ relayed: 1, pending: 0 });
  });
});

describe('the projection', () => {
  const document = async (id: string) => (await platform.search()).get<Record<string, unknown>>(HAPPENINGS_INDEX, id);

  it('keeps the newest version whatever the order records arrive in', async () => {
    const { body: h } = await create({ title: 'v1', topics: ['order-test'] });
    await call(updateHappening, 'PATCH', `/v1/happenings/${h.id}`, { user: admin, id: h.id, body: { title: 'v2' } });
    await call(updateHappening, 'PATCH', `/v1/happenings/${h.id}`, { user: admin, id: h.id, body: { title: 'v3' } });
    const records = (await publishedRecords(TOPIC)).filter((r) => r.key?.toString() === h.id);
    expect(records).toHaveLength(3);
    // Newest first, then the older ones, each in its own batch.
    for (const record of [...records].reverse()) await project([record]);
    expect(await document(h.id)).toMatchObject({ title: 'v3', version: 3, deleted: false });
    // All at once, shuffled, twice over.
    await project([records[1]!, records[2]!, records[0]!, records[1]!]);
    expect(await document(h.id)).toMatchObject({ title: 'v3', version: 3 });
  });

  it('a delete stays deleted when an older change arrives after it (a tombstone holds its version)', async () => {
    const { body: h } = await create({ title: 'to delete', topics: ['tombstone-test'] });
    await call(deleteHappening, 'DELETE', `/v1/happenings/${h.id}`, { user: admin, id: h.id });
    const [created, deleted] = (await publishedRecords(TOPIC)).filter((r) => r.key?.toString() === h.id);
    await project([deleted!]);
    await project([created!]);
    expect(await document(h.id)).toMatchObject({ deleted: true, version: 2 });
    expect((await call(searchHappenings, 'GET', '/v1/happenings', { query: 'topic=tombstone-test' })).body.items).toEqual([]);
  });

  it('dead-letters a record that can never be read, and projects the rest of the batch', async () => {
    const { body: h } = await create({ title: 'fine', topics: ['poison-test'] });
    const [good] = (await publishedRecords(TOPIC)).filter((r) => r.key?.toString() === h.id);
    const poison: ConsumedRecord = { ...good!, offset: '999999', value: Buffer.from('{"id":"x","version":"one"}') };
    await project([poison, good!]);
    expect(await document(h.id)).toMatchObject({ title: 'fine' });
    const letters = await publishedRecords('platform.dead-letters');
    expect(letters.map((r) => JSON.parse(r.value!.toString()).consumer)).toContain('happenings-index-changes');
  });

  it('tombstones are purged by the hourly relay run once older than the topic keeps records', async () => {
    const { body: h } = await create({ title: 'old delete', topics: ['purge-test'] });
    await call(deleteHappening, 'DELETE', `/v1/happenings/${h.id}`, { user: admin, id: h.id });
    await project();
    expect(await document(h.id)).toMatchObject({ deleted: true });
    expect((await runRelay('2030-01-01T10:00:00Z')).tombstonesPurged).toBe(0);
    jest.spyOn(platform.clock, 'now').mockReturnValue(new Date(Date.now() + 9 * 24 * 3600 * 1000));
    expect((await runRelay('2030-01-01T10:30:00Z')).tombstonesPurged).toBe(0); // not the top of the hour
    expect((await runRelay('2030-01-01T11:00:00Z')).tombstonesPurged).toBeGreaterThanOrEqual(1);
    expect(await document(h.id)).toBeUndefined();
  });
});
