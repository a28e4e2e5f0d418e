/**
 * Happenings end to end through `npm start`, in both backends (embedded: in-memory store and
 * outbox, embedded bus and index; services: MariaDB, Kafka, OpenSearch, cognito-local): the local
 * admin creates, changes and deletes happenings; a signed-in non-admin is refused; every change
 * travels through the outbox and `happenings.changes` into the search index, where anyone finds
 * it by topic, time range, place and text.
 */
import { randomBytes } from 'node:crypto';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';
import { apiClient } from '../support/api-client';
import { servicesRun } from '../support/services-run';

type Json = Record<string, unknown>;
type Item = Json & { id: string; title: string; distanceKm?: number };

function describeHappenings(backend: string, setup: () => { env: Record<string, string>; cleanup: () => Promise<void> }) {
  describe(`happenings end to end (${backend})`, () => {
    const { env, cleanup } = setup();
    let runtime: RunningRuntime;
    let adminToken: string;
    let memberToken: string;
    const run = randomBytes(3).toString('hex');
    const topic = `e2e-${run}`;

    const call = apiClient<Json>(() => runtime.url);
    const signIn = async (username: string, password: string) => {
      const res = await call('POST', '/v1/sessions', { username, password });
      expect(res.status).toBe(200);
      return String(res.body.accessToken);
    };
    /** The search's titles once `ready` holds for them (the projection is asynchronous). */
    const searched = (query: string, ready: (titles: string[]) => boolean) =>
      eventually(
        async () => {
          const res = await call('GET', `/v1/happenings?topic=${topic}&${query}`);
          expect(res.status).toBe(200);
          expect(res.headers.get('x-eventline-source')).toBe('search');
          const titles = (res.body.items as Item[]).map((item) => item.title);
          return ready(titles) ? titles : undefined;
        },
        45_000,
        250,
        () => runtime.output(),
      );

    beforeAll(async () => {
      runtime = await startRuntimeProcess(env);
      adminToken = await signIn('admin', 'Local-admin-password-1');
      const member = { username: `member-${run}`, email: `member-${run}@example.com`, password: 'Member-Pass-9' };
      expect((await call('POST', '/v1/accounts', member)).status).toBe(201);
      memberToken = await signIn(member.username, member.password);
    }, 120_000);
    afterAll(async () => {
      await runtime?.stop();
      await cleanup();
    }, 60_000);

    const ids: Record<string, string> = {};
    const happening = (title: string, startsAt: string, endsAt: string, lat: number, lon: number, description: string) => ({
      title,
      description,
      startsAt,
      endsAt,
      timezone: 'Europe/Warsaw',
      place: { name: title, lat, lon },
      topics: [topic],
    });

    it('lets admins create happenings (201) and refuses a signed-in non-admin (403) and no token (401)', async () => {
      const seeds = [
        happening('Jazz on the Vistula', '2032-06-01T20:00:00+02:00', '2032-06-01T23:00:00+02:00', 52.24, 21.03, 'saxophone'),
        happening('Kraków street festival', '2032-05-30T10:00:00+02:00', '2032-06-04T22:00:00+02:00', 50.06, 19.94, 'food'),
        happening('Gdańsk harbour run', '2032-06-10T07:00:00+02:00', '2032-06-10T10:00:00+02:00', 54.35, 18.65, 'running'),
      ];
      for (const seed of seeds) {
        const res = await call('POST', '/v1/happenings', seed, adminToken);
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ title: seed.title, version: 1 });
        ids[seed.title] = String(res.body.id);
      }
      const denied = await call('POST', '/v1/happenings', seeds[0], memberToken);
      expect(denied.status).toBe(403);
      expect(denied.type).toBe('application/problem+json');
      expect((await call('POST', '/v1/happenings', seeds[0])).status).toBe(401);
      const read = await call('GET', `/v1/happenings/${ids['Jazz on the Vistula']}`);
      expect(read).toMatchObject({ status: 200, body: { startsAt: '2032-06-01T18:00:00.000Z', timezone: 'Europe/Warsaw' } });
    }, 60_000);

    it('finds them through the projection: by topic, time range, radius and text', async () => {
      expect(await searched('', (t) => t.length === 3)).toEqual([
        'Kraków street festival',
        'Jazz on the Vistula',
        'Gdańsk harbour run',
      ]);
      expect(await searched('from=2032-06-02T00:00:00Z&to=2032-06-03T00:00:00Z', (t) => t.length > 0)).toEqual([
        'Kraków street festival',
      ]);
      expect(await searched('near=52.23,21.01&radiusKm=270', (t) => t.length > 0)).toEqual([
        'Jazz on the Vistula',
        'Kraków street festival',
      ]);
      expect(await searched('q=saxophone', (t) => t.length > 0)).toEqual(['Jazz on the Vistula']);
      const first = await call('GET', `/v1/happenings?topic=${topic}&limit=2`);
      const rest = await call('GET', `/v1/happenings?topic=${topic}&limit=2&cursor=${String(first.body.nextCursor)}`);
      expect([...(first.body.items as Item[]), ...(rest.body.items as Item[])].map((i) => i.title)).toEqual([
        'Kraków street festival',
        'Jazz on the Vistula',
        'Gdańsk harbour run',
      ]);
      expect(rest.body.nextCursor).toBeUndefined();
    }, 120_000);

    it('follows a change and a delete into the search', async () => {
      const id = ids['Gdańsk harbour run'];
      const moved = await call(
        'PATCH',
        `/v1/happenings/${id}`,
        { startsAt: '2032-05-20T07:00:00Z', endsAt: '2032-05-20T10:00:00Z' },
        adminToken,
      );
      expect(moved).toMatchObject({ status: 200, body: { version: 2 } });
      expect(await searched('', (t) => t[0] === 'Gdańsk harbour run')).toEqual([
        'Gdańsk harbour run',
        'Kraków street festival',
        'Jazz on the Vistula',
      ]);
      expect((await call('DELETE', `/v1/happenings/${ids['Jazz on the Vistula']}`, undefined, adminToken)).status).toBe(204);
      expect(await searched('', (t) => t.length === 2)).toEqual(['Gdańsk harbour run', 'Kraków street festival']);
      expect((await call('GET', `/v1/happenings/${ids['Jazz on the Vistula']}`)).status).toBe(404);
      const relay = await fetch(`${runtime.url}/__local/schedules/happenings-outbox-relay`, { method: 'POST' });
      expect(relay.status).toBe(200);
    }, 120_000);
  });
}

describeHappenings('embedded backend', () => ({ env: { EVENTLINE_BACKEND: 'embedded' }, cleanup: async () => {} }));
describeHappenings('services backend', () => servicesRun('happenings'));
