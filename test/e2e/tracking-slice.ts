import { randomBytes } from 'node:crypto';

/** An /aggregates answer, or a problem (then `errors`). */
type AggregatesBody = { columns: string[]; rows: string[][]; errors: { path: string; message: string }[] };

interface Problem {
  errors: { path: string }[];
}

import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';

/**
 * The slice end to end, through the real `npm start` process: POST /user_tags answers 204 only
 * once the log has the tag, a consumer stores it, POST /user_profiles returns it newest first,
 * byte-for-byte. Shared by the embedded and the services backend test files.
 */
export function describeTrackingSlice(
  backend: string,
  env: () => Record<string, string>,
  cleanup: () => Promise<void> = async () => {},
) {
  describe(`tracking slice end to end (${backend} backend)`, () => {
    let runtime: RunningRuntime;
    beforeAll(async () => {
      runtime = await startRuntimeProcess(env());
    }, 120_000);
    afterAll(async () => {
      await runtime?.stop();
      await cleanup();
    }, 60_000);

    const post = (path: string, body: string, contentType = 'application/json') =>
      fetch(`${runtime.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

    const cookie = `cookie-${randomBytes(4).toString('hex')}`;
    // Deliberately not JSON.stringify'd: every token (key order, a string product_id, an escape, a
    // number's spelling) must survive as sent; whitespace between tokens is not part of a tag.
    const tags = [
      `{"time":"2022-03-01T00:00:01.000Z","cookie":"${cookie}","country":"PL","device":"PC","action":"VIEW","origin":"o1","product_info":{"product_id":101,"brand_id":"b1","category_id":"c1","price":100}}`,
      `{"time": "2022-03-01T00:00:03.500Z", "cookie": "${cookie}", "country": "PL", "device": "MOBILE", "action": "VIEW", "origin": "o\\u0031", "product_info": {"product_id": "sku-102", "brand_id": "b2", "category_id": "c1", "price": 250}}`,
      `{"time":"2022-03-01T00:00:02.000Z","cookie":"${cookie}","country":"DE","device":"TV","action":"BUY","origin":"o2","product_info":{"product_id":103,"brand_id":"b1","category_id":"c2","price":999}}`,
      `{"time":"2022-03-01T00:00:09.000Z","cookie":"${cookie}","country":"DE","device":"TV","action":"VIEW","origin":"o2","product_info":{"product_id":104,"brand_id":"b1","category_id":"c2","price":5}}`,
    ];

    it('accepts each tag with 204 once it is in the log', async () => {
      for (const tag of tags) {
        const res = await post('/user_tags', tag);
        expect(res.status).toBe(204);
      }
    });

    it('answers the profile newest first with the tags exactly as sent, within [from, to) and limit', async () => {
      const range = '2022-03-01T00:00:00.000_2022-03-01T00:00:05.000';
      const body = await eventually(
        async () => {
          const res = await post(`/user_profiles/${cookie}?time_range=${range}&limit=200`, '{}');
          expect(res.status).toBe(200);
          const text = await res.text();
          const parsed = JSON.parse(text);
          return parsed.views.length === 2 && parsed.buys.length === 1 ? text : undefined;
        },
        45_000,
        200,
        () => runtime.output(),
      );
      // The fourth tag (00:00:09) is outside the range; views newest first; each tag as sent
      // without the whitespace between its tokens (inside strings it stays).
      const asStored = (tag: string) => tag.replace(/"\s*:\s*/g, '":').replace(/,\s+"/g, ',"');
      expect(asStored(tags[1]!)).toContain('"origin":"o\\u0031"');
      expect(body).toBe(`{"cookie":"${cookie}","views":[${asStored(tags[1]!)},${tags[0]}],"buys":[${tags[2]}]}`);

      const limited = await post(`/user_profiles/${cookie}?time_range=${range}&limit=1`, '{}');
      expect(JSON.parse(await limited.text())).toEqual({ cookie, views: [JSON.parse(tags[1])], buys: [JSON.parse(tags[2])] });
    }, 60_000);

    it('refuses bad input with problem+json and stores nothing from it', async () => {
      const bad = await post('/user_tags', tags[0].replace('"VIEW"', '"CLICK"'));
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toBe('application/problem+json');
      expect(((await bad.json()) as Problem).errors).toEqual([expect.objectContaining({ path: 'body.action' })]);

      const noRange = await post(`/user_profiles/${cookie}`, '{}');
      expect(noRange.status).toBe(400);
      expect(((await noRange.json()) as Problem).errors[0].path).toBe('query.time_range');

      const notFound = await post('/no_such_route', '{}');
      expect(notFound.status).toBe(404);
    });

    // Tags for the aggregates, in other minutes than the profile tags above (which are in minute
    // 00:00 and count too). Prices at the int32 maximum make SUM_PRICE outgrow 32 bits.
    const aggregateTags = [
      ['00:01:10.000', 'VIEW', 'o1', 'b1', 'c1', 2147483647],
      ['00:01:50.000', 'VIEW', 'o1', 'b1', 'c2', 2147483647],
      ['00:03:00.000', 'VIEW', 'o2', 'b2', 'c1', 1],
      ['00:02:59.999', 'BUY', 'o1', 'b1', 'c1', 40],
    ].map(
      ([time, action, origin, brand, category, price]) =>
        `{"time":"2022-03-01T${time}Z","cookie":"${cookie}-aggr","country":"PL","device":"PC","action":"${action}","origin":"${origin}","product_info":{"product_id":7,"brand_id":"${brand}","category_id":"${category}","price":${price}}}`,
    );
    const aggregates = async (query: string) => {
      const res = await post(`/aggregates?${query}`, '{"columns":[],"rows":[]}');
      return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as AggregatesBody };
    };
    const fourMinutes = 'time_range=2022-03-01T00:00:00_2022-03-01T00:04:00';

    it('answers /aggregates per minute for every filter combination, values as strings, empty minutes "0"', async () => {
      for (const tag of aggregateTags) expect((await post('/user_tags', tag)).status).toBe(204);
      const expected = {
        columns: ['1m_bucket', 'action', 'count', 'sum_price'],
        rows: [
          ['2022-03-01T00:00:00', 'VIEW', '3', '355'],
          ['2022-03-01T00:01:00', 'VIEW', '2', '4294967294'],
          ['2022-03-01T00:02:00', 'VIEW', '0', '0'],
          ['2022-03-01T00:03:00', 'VIEW', '1', '1'],
        ],
      };
      // Visible once every tag is applied: the VIEWs as expected and the (last sent) BUY counted,
      // which may come in a later consumer batch than the VIEWs.
      const all = await eventually(
        async () => {
          const answer = await aggregates(`${fourMinutes}&action=VIEW&aggregates=COUNT&aggregates=SUM_PRICE`);
          const buys = await aggregates(`${fourMinutes}&action=BUY&aggregates=COUNT`);
          const buyCounted = buys.body.rows.some((row) => row[0] === '2022-03-01T00:02:00' && row[2] === '1');
          return JSON.stringify(answer.body) === JSON.stringify(expected) && buyCounted ? answer : undefined;
          // A consumer whose first batch met a transient failure (a group still joining, a deadlock)
          // waits out the runtime's retry backoff: give the projection a minute on a loaded machine.
        },
        60_000,
        200,
        () => runtime.output(),
      );
      expect(all.status).toBe(200);
      expect(all.contentType).toBe('application/json');

      // filters in the fixed column order, aggregates in query order
      expect(
        (await aggregates(`${fourMinutes}&action=VIEW&aggregates=SUM_PRICE&aggregates=COUNT&brand_id=b1&origin=o1`)).body,
      ).toEqual({
        columns: ['1m_bucket', 'action', 'origin', 'brand_id', 'sum_price', 'count'],
        rows: [
          ['2022-03-01T00:00:00', 'VIEW', 'o1', 'b1', '100', '1'],
          ['2022-03-01T00:01:00', 'VIEW', 'o1', 'b1', '4294967294', '2'],
          ['2022-03-01T00:02:00', 'VIEW', 'o1', 'b1', '0', '0'],
          ['2022-03-01T00:03:00', 'VIEW', 'o1', 'b1', '0', '0'],
        ],
      });
      expect((await aggregates(`${fourMinutes}&action=BUY&aggregates=COUNT&category_id=c1&brand_id=b1`)).body).toEqual({
        columns: ['1m_bucket', 'action', 'brand_id', 'category_id', 'count'],
        rows: [
          ['2022-03-01T00:00:00', 'BUY', 'b1', 'c1', '0'],
          ['2022-03-01T00:01:00', 'BUY', 'b1', 'c1', '0'],
          ['2022-03-01T00:02:00', 'BUY', 'b1', 'c1', '1'],
          ['2022-03-01T00:03:00', 'BUY', 'b1', 'c1', '0'],
        ],
      });
      const oneMinute = 'time_range=2022-03-01T00:00:00_2022-03-01T00:01:00';
      expect(
        (await aggregates(`${oneMinute}&action=BUY&aggregates=SUM_PRICE&origin=o2&brand_id=b1&category_id=c2`)).body,
      ).toEqual({
        columns: ['1m_bucket', 'action', 'origin', 'brand_id', 'category_id', 'sum_price'],
        rows: [['2022-03-01T00:00:00', 'BUY', 'o2', 'b1', 'c2', '999']],
      });
      expect((await aggregates(`${oneMinute}&action=VIEW&aggregates=COUNT&category_id=c2`)).body.rows).toEqual([
        ['2022-03-01T00:00:00', 'VIEW', 'c2', '1'],
      ]);
    }, 90_000);

    it('refuses bad /aggregates parameters with a problem naming the field', async () => {
      const cases: [string, string][] = [
        ['action=VIEW&aggregates=COUNT', 'query.time_range'],
        ['time_range=2022-03-01T00:00:00_2022-03-01T00:11:00&action=VIEW&aggregates=COUNT', 'query.time_range'],
        ['time_range=2022-03-01T00:00:30_2022-03-01T00:01:30&action=VIEW&aggregates=COUNT', 'query.time_range'],
        ['time_range=2022-03-01T00:02:00_2022-03-01T00:01:00&action=VIEW&aggregates=COUNT', 'query.time_range'],
        ['time_range=2022-03-01 00:00:00_2022-03-01T00:01:00&action=VIEW&aggregates=COUNT', 'query.time_range'],
        [`${fourMinutes}&action=CLICK&aggregates=COUNT`, 'query.action'],
        [`${fourMinutes}&action=VIEW&aggregates=COUNT&aggregates=AVG`, 'query.aggregates'],
        [`${fourMinutes}&action=VIEW`, 'query.aggregates'],
        [`${fourMinutes}&action=VIEW&aggregates=COUNT&origin=`, 'query.origin'],
      ];
      for (const [query, path] of cases) {
        const answer = await aggregates(query);
        expect([query, answer.status, answer.contentType]).toEqual([query, 400, 'application/problem+json']);
        expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
      }
    });

    it('runs the ingest metrics schedule', async () => {
      const res = await fetch(`${runtime.url}/__local/schedules/tracking-ingest-metrics`, { method: 'POST' });
      expect(res.status).toBe(200);
    });

    it('runs the manifest schedule with the scheduler payload', async () => {
      const res = await fetch(`${runtime.url}/__local/schedules/tracking-retention`, { method: 'POST' });
      expect(res.status).toBe(200);
      // 24 h of logical time after the newest tag: nothing of this test's tags is old enough.
      const range = '2022-03-01T00:00:00.000_2022-03-01T00:01:00.000';
      const profile = (await (await post(`/user_profiles/${cookie}?time_range=${range}`, '{}')).json()) as { views: unknown[] };
      expect(profile.views).toHaveLength(3);
    });
  });
}
