import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parseQueryString } from '../../lambdas/platform/http/query';
import { EmbeddedSearchIndex } from '../../lambdas/platform/search/embedded-index';
import { platform } from '../../lambdas/platform/wiring';
import { aggregationFor, queryAnalytics } from '../../lambdas/tracking/domain/analytics';
import { type AnalyticsQuery, parseAnalyticsParameters, parseCondition } from '../../lambdas/tracking/domain/analytics-query';

const parseAnalyticsQuery = (raw: string) => parseAnalyticsParameters(parseQueryString(raw));

import {
  appEventIndexDefinition,
  appEventIndexName,
  appEventRetentionFilter,
  applyAppEventRetention,
} from '../../lambdas/tracking/domain/app-event-index';
import { handler } from '../../lambdas/tracking/handlers/query-analytics';
import { httpEvent, lambdaContext } from '../support/apigw';

const window = 'from=2024-05-01T10:00:00Z&to=2024-05-01T12:00:00Z';

function parsed(raw: string): AnalyticsQuery {
  const result = parseAnalyticsQuery(raw);
  if (!result.ok) throw new Error(`expected ${raw} to parse: ${JSON.stringify(result.problems)}`);
  return result.query;
}

function problems(raw: string): string[] {
  const result = parseAnalyticsQuery(raw);
  if (result.ok) throw new Error(`expected ${raw} to be refused`);
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('parseAnalyticsQuery', () => {
  it('needs only from and to; the interval defaults to hour', () => {
    expect(parsed(window)).toEqual({
      from: new Date('2024-05-01T10:00:00Z'),
      to: new Date('2024-05-01T12:00:00Z'),
      interval: 'hour',
      types: [],
      where: [],
      groupSize: 10,
    });
  });

  it('reads times with offsets (an unencoded + too), fractions and plain dates', () => {
    expect(parsed('from=2024-05-01T12:00:00.250%2B02:00&to=2024-05-02&interval=minute').from).toEqual(
      new Date('2024-05-01T10:00:00.250Z'),
    );
    expect(parsed('from=2024-05-01T12:00+02:00&to=2024-05-02').from).toEqual(new Date('2024-05-01T10:00:00Z'));
    expect(parsed('from=2024-05-01&to=2024-05-02').to).toEqual(new Date('2024-05-02T00:00:00Z'));
  });

  it('takes types repeated and comma-separated, without duplicates', () => {
    expect(parsed(`${window}&type=purchase_sword,purchase_knife&type=join_guild&type=purchase_sword`).types).toEqual([
      'purchase_sword',
      'purchase_knife',
      'join_guild',
    ]);
  });

  it('turns where conditions into filters: equal, any-of, ranges with numeric bounds', () => {
    const query = parsed(
      `${window}&where=properties.weapon:sword&where=${encodeURIComponent('properties.weapon:sword|knife')}` +
        `&where=${encodeURIComponent('properties.price>=10')}&where=${encodeURIComponent('properties.price<99.5')}` +
        `&where=user_id:${encodeURIComponent('user:1')}&where=${encodeURIComponent('properties.tier>=gold')}`,
    );
    expect(query.where).toEqual([
      { term: { field: 'properties.weapon', value: 'sword' } },
      { terms: { field: 'properties.weapon', values: ['sword', 'knife'] } },
      { range: { field: 'properties.price', gte: 10 } },
      { range: { field: 'properties.price', lt: 99.5 } },
      // Only the first `:` separates: the value may hold more.
      { term: { field: 'user_id', value: 'user:1' } },
      { range: { field: 'properties.tier', gte: 'gold' } },
    ]);
  });

  it('accepts group_by type, user_id or a property, with group_size, and a property sum', () => {
    const query = parsed(`${window}&interval=minute&group_by=properties.weapon&group_size=3&sum=properties.price`);
    expect(query).toMatchObject({ interval: 'minute', groupBy: 'properties.weapon', groupSize: 3, sum: 'properties.price' });
    expect(parsed(`${window}&group_by=type`).groupBy).toBe('type');
    expect(parsed(`${window}&group_by=user_id`).groupBy).toBe('user_id');
  });

  it.each([
    ['', ['query.from: is required', 'query.to: is required']],
    ['from=2024-05-01T10:00:00Z', ['query.to: is required']],
    [
      'from=yesterday&to=2024-05-01',
      ['query.from: must be an ISO-8601 time with Z or an offset (2024-05-01T10:00:00Z) or a date (2024-05-01)'],
    ],
    [
      'from=2024-05-01T10:00:00&to=2024-05-02',
      ['query.from: must be an ISO-8601 time with Z or an offset (2024-05-01T10:00:00Z) or a date (2024-05-01)'],
    ],
    [
      'from=2024-02-30&to=2024-05-02',
      ['query.from: must be an ISO-8601 time with Z or an offset (2024-05-01T10:00:00Z) or a date (2024-05-01)'],
    ],
    ['from=2024-05-01T10:00:00Z&to=2024-05-01T10:00:00Z', ['query.to: must be after from']],
    [`${window}&interval=week`, ['query.interval: must be minute, hour or day']],
    [`${window}&interval=hour&interval=day`, ['query.interval: must be given once']],
    [`${window}&groupby=type`, ['query.groupby: is not allowed']],
    [`${window}&type=Purchase`, ['query.type: "Purchase" is not an event type']],
    [`${window}&type=a,,b`, ['query.type: "" is not an event type']],
    [`${window}&where=weapon:sword`, ['query.where: "weapon" is not a filterable field (user_id or properties.<name>)']],
    [`${window}&where=type:a`, ['query.where: "type" is not a filterable field (user_id or properties.<name>)']],
    [
      `${window}&where=properties.weapon`,
      ['query.where: "properties.weapon" is not <field>:<value>, <field>>=<value> or <field><<value>'],
    ],
    [`${window}&where=properties.weapon:`, ['query.where: "properties.weapon:" has no value']],
    [
      `${window}&where=${encodeURIComponent('properties.weapon:a||b')}`,
      ['query.where: "properties.weapon:a||b" has an empty alternative'],
    ],
    [
      `${window}&where=${encodeURIComponent('properties.price<=3')}`,
      ['query.where: "properties.price<=3": the operators are :, >= and < (no <=)'],
    ],
    [
      `${window}&where=${encodeURIComponent('properties.a.b:1')}`,
      ['query.where: "properties.a.b" is not a filterable field (user_id or properties.<name>)'],
    ],
    [`${window}&group_by=weapon`, ['query.group_by: must be type, user_id or properties.<name>']],
    [`${window}&group_by=type&group_size=26`, ['query.group_size: must be an integer from 1 to 25']],
    [`${window}&group_by=type&group_size=0`, ['query.group_size: must be an integer from 1 to 25']],
    [`${window}&group_size=5`, ['query.group_size: needs group_by']],
    [`${window}&sum=price`, ['query.sum: must be properties.<name> of a numeric property']],
  ])('refuses %s', (raw, expected) => {
    expect(problems(raw)).toEqual(expected);
  });

  it('bounds the span: at most 1440 buckets of the interval', () => {
    expect(parsed('from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z&interval=minute').interval).toBe('minute');
    expect(problems('from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:01Z&interval=minute')).toEqual([
      'query.interval: the range spans 1441 minute buckets; at most 1440 (use a larger interval or a shorter range)',
    ]);
    // A partial first bucket counts: 00:30 to 24:00 of the next day + 1 h spans 1441 hour buckets.
    expect(parsed('from=2024-05-01T00:00:00Z&to=2024-06-30T00:00:00Z&interval=hour').interval).toBe('hour');
    expect(problems('from=2024-05-01T00:30:00Z&to=2024-06-30T00:00:01Z&interval=hour')).toHaveLength(1);
    expect(parsed('from=2020-01-01&to=2023-12-10&interval=day').interval).toBe('day');
  });

  it('reports every problem at once', () => {
    expect(problems('from=x&interval=week&sum=y&nope=1')).toHaveLength(5);
  });
});

describe('parseCondition', () => {
  it('splits at the first operator', () => {
    expect(parseCondition('properties.note:a:b')).toEqual({ term: { field: 'properties.note', value: 'a:b' } });
    expect(parseCondition('properties.level>=-2.5e1')).toEqual({ range: { field: 'properties.level', gte: -25 } });
  });
});

describe('aggregationFor', () => {
  it('filters by one type with term and several with terms, before the where conditions', () => {
    const one = aggregationFor(parsed(`${window}&type=a&where=properties.x:1`));
    expect(one).toEqual({
      timeField: 'time',
      interval: 'hour',
      range: { from: '2024-05-01T10:00:00.000Z', to: '2024-05-01T12:00:00.000Z' },
      filters: [{ term: { field: 'type', value: 'a' } }, { term: { field: 'properties.x', value: '1' } }],
    });
    const two = aggregationFor(parsed(`${window}&type=a,b&group_by=type&group_size=2&sum=properties.price`));
    expect(two).toMatchObject({
      filters: [{ terms: { field: 'type', values: ['a', 'b'] } }],
      groupBy: { field: 'type', size: 2 },
      sum: 'properties.price',
    });
  });
});

describe('app event index', () => {
  it('names one index per app and refuses anything that is not an app id', () => {
    expect(appEventIndexName('demo-game')).toBe('app-events-demo-game');
    expect(() => appEventIndexName('Demo')).toThrow(/not an app id/);
    expect(() => appEventIndexName('a*')).toThrow(/not an app id/);
    expect(appEventIndexDefinition('g1')).toEqual({
      name: 'app-events-g1',
      fields: { event_id: 'keyword', app_id: 'keyword', type: 'keyword', user_id: 'keyword', time: 'date', received_at: 'date' },
      dynamicObjects: ['properties'],
    });
  });

  it('retention deletes events older than 90 days of event time, in every app', async () => {
    expect(appEventRetentionFilter(new Date('2024-05-01T00:00:00Z'))).toEqual({
      range: { field: 'time', lt: '2024-02-01T00:00:00.000Z' },
    });
    const search = new EmbeddedSearchIndex();
    for (const app of ['a1', 'a2']) {
      await search.ensureIndex(appEventIndexDefinition(app));
      await search.bulkUpsert(appEventIndexName(app), [
        { id: 'old', body: { type: 't', time: '2024-01-31T23:59:59.999Z', properties: {} } },
        { id: 'kept', body: { type: 't', time: '2024-02-01T00:00:00.000Z', properties: {} } },
      ]);
    }
    expect(await applyAppEventRetention(search, new Date('2024-05-01T00:00:00Z'))).toEqual({ deleted: 2 });
    expect(await search.get(appEventIndexName('a1'), 'old')).toBeUndefined();
    expect(await search.get(appEventIndexName('a2'), 'kept')).toBeDefined();
  });
});

describe('queryAnalytics', () => {
  it('answers buckets with snake_case fields', async () => {
    const search = new EmbeddedSearchIndex();
    await search.ensureIndex(appEventIndexDefinition('g1'));
    await search.bulkUpsert(appEventIndexName('g1'), [
      { id: 'e1', body: { type: 'purchase_sword', time: '2024-05-01T10:10:00Z', properties: { price: 5 } } },
      { id: 'e2', body: { type: 'purchase_knife', time: '2024-05-01T10:20:00Z', properties: { price: 2 } } },
      { id: 'e3', body: { type: 'purchase_knife', time: '2024-05-01T11:20:00Z', properties: { price: 3 } } },
    ]);
    const answer = await queryAnalytics(search, 'g1', parsed(`${window}&group_by=type&group_size=1&sum=properties.price`));
    expect(answer).toEqual({
      app_id: 'g1',
      interval: 'hour',
      from: '2024-05-01T10:00:00.000Z',
      to: '2024-05-01T12:00:00.000Z',
      group_by: 'type',
      sum: 'properties.price',
      buckets: [
        {
          start: '2024-05-01T10:00:00.000Z',
          count: 2,
          sum: 7,
          groups: [{ key: 'purchase_knife', count: 1, sum: 2 }],
          other_count: 1,
        },
        {
          start: '2024-05-01T11:00:00.000Z',
          count: 1,
          sum: 3,
          groups: [{ key: 'purchase_knife', count: 1, sum: 3 }],
          other_count: 0,
        },
      ],
    });
  });
});

describe('GET /v1/apps/{appId}/analytics handler', () => {
  const call = async (appId: string, rawQueryString: string, authorizedApp: string | null = appId) => {
    const event = httpEvent({ method: 'GET', path: `/v1/apps/${appId}/analytics`, rawQueryString, pathParameters: { appId } });
    if (authorizedApp !== null) {
      (event.requestContext as unknown as Record<string, unknown>).authorizer = { lambda: { appId: authorizedApp, keyId: 'k1' } };
    }
    const response = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, type: response.headers?.['content-type'], body: JSON.parse(String(response.body)) };
  };

  beforeAll(async () => {
    // The embedded backend (the default): the handler and this test share the container's index.
    const search = await platform.search();
    await search.ensureIndex(appEventIndexDefinition('unit-game'));
    await search.bulkUpsert(appEventIndexName('unit-game'), [
      {
        id: 'e1',
        body: { type: 'purchase_sword', user_id: 'u1', time: '2024-05-01T10:00:10Z', properties: { weapon: 'sword', price: 5 } },
      },
      { id: 'e2', body: { type: 'join_guild', user_id: 'u1', time: '2024-05-01T10:02:10Z', properties: { guild: 'red' } } },
    ]);
  });

  afterAll(() => platform.close());

  it('answers counts per minute for the authorized app', async () => {
    const answer = await call(
      'unit-game',
      'from=2024-05-01T10:00:00Z&to=2024-05-01T10:03:00Z&interval=minute&type=purchase_sword,join_guild',
    );
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('application/json');
    expect(answer.body.buckets).toEqual([
      { start: '2024-05-01T10:00:00.000Z', count: 1 },
      { start: '2024-05-01T10:01:00.000Z', count: 0 },
      { start: '2024-05-01T10:02:00.000Z', count: 1 },
    ]);
  });

  it('answers empty buckets for an app that has sent nothing yet', async () => {
    const answer = await call('quiet-game', 'from=2024-05-01T10:00:00Z&to=2024-05-01T12:00:00Z&sum=properties.price');
    expect(answer.status).toBe(200);
    expect(answer.body.buckets).toEqual([
      { start: '2024-05-01T10:00:00.000Z', count: 0, sum: 0 },
      { start: '2024-05-01T11:00:00.000Z', count: 0, sum: 0 },
    ]);
  });

  it('is forbidden when the key belongs to another app, or no authorizer ran', async () => {
    for (const authorized of ['other-game', null]) {
      const answer = await call('unit-game', 'from=2024-05-01&to=2024-05-02', authorized);
      expect(answer.status).toBe(403);
      expect(answer.type).toBe('application/problem+json');
    }
  });

  it('answers 400 problems naming the parameter', async () => {
    const missing = await call('unit-game', 'interval=minute');
    expect(missing.status).toBe(400);
    expect(missing.type).toBe('application/problem+json');
    expect(missing.body.errors).toEqual([
      { path: 'query.from', message: 'is required' },
      { path: 'query.to', message: 'is required' },
    ]);
    // Only the index knows the property is text: still a 400 naming `sum`.
    const textSum = await call('unit-game', 'from=2024-05-01&to=2024-05-02&sum=properties.weapon');
    expect(textSum.status).toBe(400);
    expect(textSum.body.errors).toEqual([{ path: 'query.sum', message: expect.stringMatching(/not numeric/) }]);
  });

  it('refuses an app id that cannot be one', async () => {
    const answer = await call('Bad_App', 'from=2024-05-01&to=2024-05-02');
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('path.appId');
  });
});
