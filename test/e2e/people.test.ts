/**
 * People end to end through `npm start`, in both backends (embedded: in-memory store, embedded
 * bus, cache and index; services: Kafka, Redis, OpenSearch, MariaDB, cognito-local): the owner
 * writes a profile and reads its own write at once (no waiting), anyone reads it, others are
 * refused, an admin writes and deletes anyone's, deleting the account deletes the profile, search
 * finds names as typed and misspelt, pages, and both sinks end up holding each write.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import mysql from 'mysql2/promise';
import { localServices } from '../../lambdas/platform/config';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';
import { apiClient } from '../support/api-client';
import { servicesRun } from '../support/services-run';

type Json = Record<string, unknown>;
const READ_FROM = 'x-eventline-read-from';

/** Where a backend lets the test look into the sinks' stores directly (services only). */
interface StoreProbe {
  sqlVersion(username: string): Promise<{ version: number; deleted: boolean } | undefined>;
  indexVersion(username: string): Promise<{ version: number; deleted: boolean } | undefined>;
  close(): Promise<void>;
}

/** Six random lower-case letters: one word for the search index's analyzer. */
function letters(): string {
  return [...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
}

function describePeople(
  backend: string,
  setup: () => { env: Record<string, string>; cleanup: () => Promise<void> },
  probeOf?: (env: Record<string, string>) => StoreProbe,
) {
  describe(`people end to end (${backend})`, () => {
    const { env, cleanup } = setup();
    let runtime: RunningRuntime;
    let probe: StoreProbe | undefined;
    const run = randomBytes(3).toString('hex');
    const tag = letters();
    const call = apiClient<Json>(() => runtime.url);
    const users: Record<'owner' | 'other' | 'doomed' | 'admin', { username: string; token: string }> = {} as never;

    const signIn = async (username: string, password: string) => {
      const res = await call('POST', '/v1/sessions', { username, password });
      expect(res.status).toBe(200);
      return String(res.body.accessToken);
    };
    const signUp = async (username: string) => {
      const password = 'People-Pass-9';
      expect((await call('POST', '/v1/accounts', { username, email: `${username}@example.com`, password })).status).toBe(201);
      return { username, token: await signIn(username, password) };
    };
    const put = (username: string, body: unknown, token?: string) => call('PUT', `/v1/people/${username}`, body, token);
    const get = (username: string) => call('GET', `/v1/people/${username}`);
    const search = (query: string) => call('GET', `/v1/people?${query}`);

    beforeAll(async () => {
      runtime = await startRuntimeProcess(env);
      probe = probeOf?.(env);
      users.admin = { username: 'admin', token: await signIn('admin', 'Local-admin-password-1') };
      users.owner = await signUp(`owner-${run}`);
      users.other = await signUp(`other-${run}`);
      users.doomed = await signUp(`doomed-${run}`);
    }, 120_000);
    afterAll(async () => {
      await probe?.close();
      await runtime?.stop();
      await cleanup();
    }, 60_000);

    const profile = {
      firstName: `Alice${tag}`,
      lastName: 'Liddell',
      email: 'alice@example.com',
      country: 'GB',
      birthday: '1990-05-04',
      occupation: 'Explorer',
      relationshipStatus: 'single',
      mobileNumber: '+44 7700 900123',
      description: 'Curious.\nVery curious.',
      mood: 'curious',
      pictureUrl: 'https://example.com/alice.png',
      background: '#ffeedd',
    };

    it('answers the writer its own write at once, every time (no waiting for the sinks)', async () => {
      let last = 0;
      for (let i = 1; i <= 5; i++) {
        const written = await put(users.owner.username, { ...profile, mood: `mood ${i}` }, users.owner.token);
        expect(written.status).toBe(202);
        expect(written.body).toEqual({ username: users.owner.username, version: expect.any(Number) });
        const version = written.body.version as number;
        expect(version).toBeGreaterThan(last);
        last = version;
        const read = await get(users.owner.username);
        expect(read.status).toBe(200);
        expect(read.headers.get(READ_FROM)).toBe('cache');
        expect(read.body).toEqual({
          username: users.owner.username,
          version,
          updatedAt: expect.any(String),
          ...profile,
          mood: `mood ${i}`,
        });
      }
    });

    it('lets anyone read a profile; unknown is 404', async () => {
      const read = await get(users.owner.username);
      expect(read.status).toBe(200);
      expect(read.body.firstName).toBe(profile.firstName);
      const unknown = await get(`nobody-${run}`);
      expect(unknown.status).toBe(404);
      expect(unknown.type).toBe('application/problem+json');
    });

    it("refuses writes to another's profile (403) and without a token (401)", async () => {
      expect((await put(users.owner.username, profile, users.other.token)).status).toBe(403);
      expect((await call('DELETE', `/v1/people/${users.owner.username}`, undefined, users.other.token)).status).toBe(403);
      expect((await put(users.owner.username, profile)).status).toBe(401);
      expect((await get(users.owner.username)).body.mood).toBe('mood 5');
    });

    it('refuses invalid profiles with 400 problems naming the fields', async () => {
      const bad = await put(
        users.owner.username,
        { ...profile, firstName: 'x'.repeat(81), country: 'pl', pictureUrl: 'http://example.com/a.png', extra: 1 },
        users.owner.token,
      );
      expect(bad.status).toBe(400);
      expect(bad.type).toBe('application/problem+json');
      const paths = (bad.body.errors as { path: string }[]).map((e) => e.path).sort();
      expect(paths).toEqual(expect.arrayContaining(['body.country', 'body.firstName', 'body.pictureUrl']));
      expect((await put(users.owner.username, { lastName: 'only' }, users.owner.token)).status).toBe(400);
    });

    it("lets an admin write and delete anyone's profile", async () => {
      const written = await put(users.other.username, { firstName: 'Bob', lastName: `Other${tag}` }, users.admin.token);
      expect(written.status).toBe(202);
      const read = await get(users.other.username);
      expect(read.body).toMatchObject({ firstName: 'Bob', version: written.body.version });
      const deleted = await call('DELETE', `/v1/people/${users.other.username}`, undefined, users.admin.token);
      expect(deleted.status).toBe(202);
      expect((deleted.body.version as number) > (written.body.version as number)).toBe(true);
      expect((await get(users.other.username)).status).toBe(404);
    });

    it('deletes: the owner reads 404 at once, and can write the profile again', async () => {
      const username = users.doomed.username;
      expect((await put(username, { firstName: 'Doomed', lastName: `Soon${tag}` }, users.doomed.token)).status).toBe(202);
      const deleted = await call('DELETE', `/v1/people/${username}`, undefined, users.doomed.token);
      expect(deleted.status).toBe(202);
      expect((await get(username)).status).toBe(404);
      const again = await put(username, { firstName: 'Doomed', lastName: `Again${tag}` }, users.doomed.token);
      expect(again.status).toBe(202);
      expect((await get(username)).body.lastName).toBe(`Again${tag}`);
    });

    it('finds people by the start of a name and despite a typo, from the search index', async () => {
      const found = (q: string) =>
        eventually(
          async () => {
            const res = await search(`q=${encodeURIComponent(q)}`);
            expect(res.status).toBe(200);
            expect(res.headers.get(READ_FROM)).toBe('search');
            // The index is eventually consistent: wait for the owner's newest write (mood 5), not any.
            const owner = (res.body.items as Json[]).find((item) => item.username === users.owner.username);
            return owner?.mood === 'mood 5' ? res.body : undefined;
          },
          45_000,
          250,
          () => runtime.output(),
        );
      const prefix = await found(`Alice${tag.slice(0, 2)}`);
      expect((prefix.items as Json[]).find((item) => item.username === users.owner.username)).toEqual({
        username: users.owner.username,
        firstName: profile.firstName,
        lastName: profile.lastName,
        country: 'GB',
        pictureUrl: profile.pictureUrl,
        mood: 'mood 5',
      });
      // "Alcie…": two letters swapped, one edit away.
      await found(`Alcie${tag}`);
      await found(`liddell alice${tag}`);
    });

    it('pages search results with an opaque cursor', async () => {
      const lastName = `Pager${tag}`;
      const pager = await signUp(`pager-${run}`);
      // Only the admin may write every one of them.
      for (const [i, username] of [users.admin.username, users.doomed.username, pager.username].entries()) {
        expect((await put(username, { firstName: `Page${i}`, lastName }, users.admin.token)).status).toBe(202);
      }
      const pages = await eventually(
        async () => {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 5; page++) {
            const res = await search(`q=${lastName}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
            expect(res.status).toBe(200);
            seen.push(...(res.body.items as Json[]).map((item) => String(item.username)));
            cursor = res.body.next as string | undefined;
            if (!cursor) break;
          }
          return seen.length === 3 ? seen : undefined;
        },
        45_000,
        250,
        () => runtime.output(),
      );
      expect(new Set(pages).size).toBe(3);
      const first = await search(`q=${lastName}&limit=2`);
      const wrongQuery = await search(`q=other&cursor=${first.body.next as string}`);
      expect(wrongQuery.status).toBe(400);
      expect((await search('limit=51')).status).toBe(400);
      expect((await search('unknown=1')).status).toBe(400);
    });

    it('gets every write into both sinks', async () => {
      const written = await put(users.owner.username, { ...profile, mood: 'sunk' }, users.owner.token);
      const version = written.body.version as number;
      await eventually(
        async () => {
          const res = await search(`q=Alice${tag}`);
          const mine = (res.body.items as Json[]).find((item) => item.username === users.owner.username);
          return mine?.mood === 'sunk' ? true : undefined;
        },
        45_000,
        250,
        () => runtime.output(),
      );
      if (probe) {
        const current = probe;
        await eventually(
          async () => {
            const [sql, index] = [
              await current.sqlVersion(users.owner.username),
              await current.indexVersion(users.owner.username),
            ];
            return sql?.version === version && index?.version === version ? true : undefined;
          },
          45_000,
          250,
          () => runtime.output(),
        );
        // The deleted profile is a tombstone in both stores.
        const deletedIn = async () => [
          await current.sqlVersion(users.other.username),
          await current.indexVersion(users.other.username),
        ];
        await eventually(async () => ((await deletedIn()).every((v) => v?.deleted) ? true : undefined), 45_000, 250);
      }
    });

    it("deletes the profile when the account is deleted (accounts.events 'deleted')", async () => {
      const user = await signUp(`leaver-${run}`);
      expect((await put(user.username, { firstName: 'Leaving', lastName: `Soon${tag}` }, user.token)).status).toBe(202);
      expect((await get(user.username)).status).toBe(200);
      expect((await call('DELETE', '/v1/accounts/me', undefined, user.token)).status).toBe(204);
      await eventually(
        async () => ((await get(user.username)).status === 404 ? true : undefined),
        45_000,
        250,
        () => runtime.output(),
      );
    });
  });
}

describePeople('embedded backend', () => ({ env: { EVENTLINE_BACKEND: 'embedded' }, cleanup: async () => {} }));
describePeople(
  'services backend',
  () => servicesRun('people'),
  (env) => {
    const pool = mysql.createPool({ ...localServices().mysql, database: env.EVENTLINE_MYSQL_DATABASE, connectionLimit: 2 });
    const search = new Client({ node: localServices().openSearchUrl });
    return {
      async sqlVersion(username) {
        const [rows] = await pool
          .query<mysql.RowDataPacket[]>('SELECT version, deleted FROM people_profiles WHERE username = ?', [username])
          .catch(() => [[]] as unknown as [mysql.RowDataPacket[]]);
        const row = rows[0];
        return row ? { version: Number(row.version), deleted: Number(row.deleted) === 1 } : undefined;
      },
      async indexVersion(username) {
        const res = await search.get({ index: 'people', id: username }, { ignore: [404] });
        const body = res.body as { found?: boolean; _source?: { version: number; deleted: boolean } };
        return body.found && body._source ? { version: body._source.version, deleted: body._source.deleted } : undefined;
      },
      async close() {
        await pool.end();
        await search.close();
      },
    };
  },
);

/**
 * The read path without the cache and without the index (the benchmark's "MySQL only"): reads and
 * searches come from MySQL once the SQL sink has the write; the header says so.
 */
describe('people end to end (embedded backend, read path sql)', () => {
  let runtime: RunningRuntime;
  const call = apiClient<Json>(() => runtime.url);
  beforeAll(async () => {
    runtime = await startRuntimeProcess({ EVENTLINE_BACKEND: 'embedded', EVENTLINE_PEOPLE_READ_PATH: 'sql' });
  }, 120_000);
  afterAll(() => runtime?.stop(), 60_000);

  it('reads and searches from MySQL once the SQL sink has the write', async () => {
    const token = String(
      (await call('POST', '/v1/sessions', { username: 'admin', password: 'Local-admin-password-1' })).body.accessToken,
    );
    const written = await call('PUT', '/v1/people/admin', { firstName: 'Ada', lastName: 'Sqlonly' }, token);
    expect(written.status).toBe(202);
    const read = await eventually(
      async () => {
        const res = await call('GET', '/v1/people/admin');
        return res.status === 200 && res.body.version === written.body.version ? res : undefined;
      },
      30_000,
      100,
      () => runtime.output(),
    );
    expect(read.headers.get(READ_FROM)).toBe('sql');
    const found = await call('GET', '/v1/people?q=sqlo');
    expect(found.headers.get(READ_FROM)).toBe('sql');
    expect(found.body.items).toEqual([{ username: 'admin', firstName: 'Ada', lastName: 'Sqlonly' }]);
  });
});
