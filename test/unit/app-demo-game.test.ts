import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { prepareBatch } from '../../lambdas/tracking/domain/app-events';
import { AuthorizationError, isLoopback, percentile, playGame, sendEvents } from '../../scripts/demo/game-simulation';

describe('the demo game', () => {
  const start = new Date('2024-05-01T10:00:00.000Z');

  it('plays the seeds game: swords, knives and guilds with metadata, the same for the same seed', () => {
    const events = playGame({ players: 20, count: 300, seed: 42, runId: 'r1', start });
    expect(playGame({ players: 20, count: 300, seed: 42, runId: 'r1', start })).toEqual(events);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['purchase_sword', 'purchase_knife', 'join_guild']));
    expect(new Set(events.map((e) => e.event_id)).size).toBe(300);
    expect(new Set(events.map((e) => e.user_id)).size).toBeGreaterThan(10);
    expect(events.find((e) => e.type === 'purchase_sword')?.properties).toMatchObject({
      currency: 'gold',
      price: expect.any(Number),
    });
    expect(events.find((e) => e.type === 'join_guild')?.properties).toMatchObject({ guild_name: expect.any(String) });
    // Everything it sends is a valid event.
    const { outcome } = prepareBatch('demo-game', events, new Date(start.getTime() + 60_000));
    expect(outcome.rejected).toBe(0);
  });

  it('only targets loopback addresses by default', () => {
    expect(isLoopback(new URL('http://127.0.0.1:3000'))).toBe(true);
    expect(isLoopback(new URL('http://localhost:3000'))).toBe(true);
    expect(isLoopback(new URL('http://[::1]:3000'))).toBe(true);
    expect(isLoopback(new URL('https://abc.execute-api.eu-west-1.amazonaws.com'))).toBe(false);
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 99)).toBe(0);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 99)).toBe(5);
  });
});

describe('sending the game in batches', () => {
  let server: http.Server;
  let url: string;
  const received: { key: string | undefined; count: number; at: number }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const key = req.headers['x-api-key'] as string | undefined;
        const events = (JSON.parse(body) as { events: { type: string }[] }).events;
        received.push({ key, count: events.length, at: Date.now() });
        if (key !== 'good') {
          res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Forbidden"}');
          return;
        }
        const results = events.map((e, index) =>
          e.type === 'bad'
            ? { index, status: 'rejected', reason: 'type: nope' }
            : { index, status: 'accepted', event_id: `${index}` },
        );
        const rejected = results.filter((r) => r.status === 'rejected').length;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accepted: events.length - rejected, rejected, results }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  it('sends batches of the given size no faster than the rate and tallies the answers', async () => {
    const events = Array.from({ length: 100 }, (_, i) => ({ type: i % 10 === 0 ? 'bad' : 'good', user_id: 'u' }));
    const started = Date.now();
    const stats = await sendEvents(events, { baseUrl: url, appId: 'g', key: 'good', batchSize: 20, rate: 200, concurrency: 4 });
    expect(received.map((r) => r.count)).toEqual([20, 20, 20, 20, 20]);
    // 100 events at 200/s: the last batch (events 80-99) may start 400 ms after the first.
    expect(received[4].at - started).toBeGreaterThanOrEqual(390);
    expect(stats).toMatchObject({ sent: 100, accepted: 90, rejected: 10, failed: 0 });
    expect(stats.rejections).toHaveLength(5);
    expect(stats.batchLatenciesMs).toHaveLength(5);
  });

  it('stops at once on a refused key', async () => {
    const events = Array.from({ length: 100 }, () => ({ type: 'good', user_id: 'u' }));
    await expect(
      sendEvents(events, { baseUrl: url, appId: 'g', key: 'bad', batchSize: 10, rate: 10_000, concurrency: 1 }),
    ).rejects.toBeInstanceOf(AuthorizationError);
    expect(received).toHaveLength(1);
  });
});
