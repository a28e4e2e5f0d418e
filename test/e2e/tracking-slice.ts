import { randomBytes } from 'node:crypto';

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
    // Deliberately not JSON.stringify'd: odd spacing and a string product_id must survive as sent.
    const tags = [
      `{"time":"2022-03-01T00:00:01.000Z","cookie":"${cookie}","country":"PL","device":"PC","action":"VIEW","origin":"o1","product_info":{"product_id":101,"brand_id":"b1","category_id":"c1","price":100}}`,
      `{"time": "2022-03-01T00:00:03.500Z", "cookie": "${cookie}", "country": "PL", "device": "MOBILE", "action": "VIEW", "origin": "o1", "product_info": {"product_id": "sku-102", "brand_id": "b2", "category_id": "c1", "price": 250}}`,
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
      const body = await eventually(async () => {
        const res = await post(`/user_profiles/${cookie}?time_range=${range}&limit=200`, '{}');
        expect(res.status).toBe(200);
        const text = await res.text();
        const parsed = JSON.parse(text);
        return parsed.views.length === 2 && parsed.buys.length === 1 ? text : undefined;
      }, 20_000);
      // The fourth tag (00:00:09) is outside the range; views newest first.
      expect(body).toBe(`{"cookie":"${cookie}","views":[${tags[1]},${tags[0]}],"buys":[${tags[2]}]}`);

      const limited = await post(`/user_profiles/${cookie}?time_range=${range}&limit=1`, '{}');
      expect(JSON.parse(await limited.text())).toEqual({ cookie, views: [JSON.parse(tags[1])], buys: [JSON.parse(tags[2])] });
    });

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
