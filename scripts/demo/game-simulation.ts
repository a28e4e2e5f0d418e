/**
 * The game of the seeds (a sword shop, a knife shop and guilds), played by simulated players
 * against `POST /v1/apps/{appId}/events`: every purchase and guild join becomes an event with
 * its metadata, sent in batches at a bounded rate. Used by scripts/demo/play-game.ts and the
 * end-to-end tests.
 */

export interface GameEvent {
  readonly event_id: string;
  readonly type: 'purchase_sword' | 'purchase_knife' | 'join_guild';
  readonly user_id: string;
  readonly time: string;
  readonly properties: Readonly<Record<string, string | number | boolean>>;
}

/** A small deterministic PRNG (mulberry32), so a seed replays the same game. */
export function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SWORDS = [
  { kind: 'longsword', price: 120, damage: 12 },
  { kind: 'katana', price: 250, damage: 18 },
  { kind: 'sabre', price: 90, damage: 9 },
];
const KNIVES = [
  { kind: 'dagger', price: 30, sharpness: 'sharp' },
  { kind: 'very sharp knife', price: 45, sharpness: 'very sharp' },
  { kind: 'throwing knife', price: 15, sharpness: 'sharp' },
];
const GUILDS = ['Knights of the Round Table', 'Night Watch', 'Red Dragons', 'Merchants of Venice'];
const ROLES = ['recruit', 'member', 'officer'];

interface Player {
  readonly id: string;
  level: number;
  gold: number;
  guild?: string;
}

/**
 * Plays `count` actions of `players` players and answers them as events. Players earn gold and
 * levels as they play; a purchase costs its price, a player without a guild is likelier to join one.
 */
export function playGame(options: { players: number; count: number; seed: number; runId: string; start?: Date }): GameEvent[] {
  const random = randomFrom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const players: Player[] = Array.from({ length: options.players }, (_, i) => ({
    id: `player-${String(i + 1).padStart(5, '0')}`,
    level: 1 + Math.floor(random() * 10),
    gold: 100 + Math.floor(random() * 400),
  }));
  const startMs = (options.start ?? new Date()).getTime();
  const events: GameEvent[] = [];
  for (let i = 0; i < options.count; i++) {
    const player = pick(players);
    player.gold += 20 + Math.floor(random() * 60);
    if (random() < 0.2) player.level += 1;
    const time = new Date(startMs + i).toISOString();
    const event_id = `${options.runId}-${i}`;
    const roll = random();
    if (roll < (player.guild ? 0.05 : 0.25)) {
      player.guild = pick(GUILDS);
      events.push({
        event_id,
        type: 'join_guild',
        user_id: player.id,
        time,
        properties: { guild_name: player.guild, role: pick(ROLES), level: player.level },
      });
    } else if (roll < 0.6) {
      const sword = pick(SWORDS);
      player.gold = Math.max(0, player.gold - sword.price);
      events.push({
        event_id,
        type: 'purchase_sword',
        user_id: player.id,
        time,
        properties: { sword_type: sword.kind, price: sword.price, currency: 'gold', damage: sword.damage, level: player.level },
      });
    } else {
      const knife = pick(KNIVES);
      player.gold = Math.max(0, player.gold - knife.price);
      events.push({
        event_id,
        type: 'purchase_knife',
        user_id: player.id,
        time,
        properties: {
          knife_type: knife.kind,
          price: knife.price,
          currency: 'gold',
          sharpness: knife.sharpness,
          level: player.level,
        },
      });
    }
  }
  return events;
}

/** Only loopback hosts unless the caller opts in: a demo should not load someone else's server. */
export function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname) || url.hostname.startsWith('127.');
}

export interface SendOptions {
  readonly baseUrl: string;
  readonly appId: string;
  readonly key: string;
  readonly batchSize: number;
  /** Events per second, at most. */
  readonly rate: number;
  /** Batches in flight at once. */
  readonly concurrency: number;
  /** Called about once a second with the totals so far. */
  readonly onProgress?: (stats: SendStats) => void;
}

export interface SendStats {
  readonly sent: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Events of batches the server did not take (non-200 answers or network errors). */
  readonly failed: number;
  readonly batchLatenciesMs: readonly number[];
  readonly elapsedMs: number;
  readonly rejections: readonly string[];
  /** Status codes of failed batches, with how many. */
  readonly failures: Readonly<Record<string, number>>;
}

export class AuthorizationError extends Error {}

/**
 * Sends the events in batches, never faster than `rate` events per second, and tallies the
 * server's per-event answers. A 401/403 stops at once (wrong key or app); other failed batches
 * are counted and the run goes on.
 */
export async function sendEvents(events: readonly object[], options: SendOptions): Promise<SendStats> {
  const url = `${options.baseUrl.replace(/\/$/, '')}/v1/apps/${encodeURIComponent(options.appId)}/events`;
  const batches: object[][] = [];
  for (let i = 0; i < events.length; i += options.batchSize) batches.push(events.slice(i, i + options.batchSize));

  const started = Date.now();
  const stats = { sent: 0, accepted: 0, rejected: 0, failed: 0 };
  const latencies: number[] = [];
  const rejections: string[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  let scheduledEvents = 0;
  let stop: Error | undefined;
  const snapshot = (): SendStats => ({
    ...stats,
    batchLatenciesMs: latencies,
    elapsedMs: Date.now() - started,
    rejections,
    failures,
  });
  const progress = options.onProgress ? setInterval(() => options.onProgress?.(snapshot()), 1000) : undefined;

  const worker = async () => {
    while (!stop && next < batches.length) {
      const batch = batches[next++] as object[];
      // Pace by the events already scheduled: batch k may start at (events before it) / rate.
      const notBefore = started + (scheduledEvents / options.rate) * 1000;
      scheduledEvents += batch.length;
      const wait = notBefore - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sentAt = Date.now();
      stats.sent += batch.length;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': options.key },
          body: JSON.stringify({ events: batch }),
        });
        latencies.push(Date.now() - sentAt);
        if (response.status === 401 || response.status === 403) {
          stop = new AuthorizationError(`${response.status} ${await response.text()}: check the app id and the key`);
          stats.failed += batch.length;
          return;
        }
        if (response.status !== 200) {
          failures[String(response.status)] = (failures[String(response.status)] ?? 0) + 1;
          stats.failed += batch.length;
          continue;
        }
        const answer = (await response.json()) as {
          accepted: number;
          rejected: number;
          results: { status: string; reason?: string }[];
        };
        stats.accepted += answer.accepted;
        stats.rejected += answer.rejected;
        for (const result of answer.results)
          if (result.status === 'rejected' && rejections.length < 5) rejections.push(result.reason ?? '');
      } catch (error) {
        failures.network = (failures.network ?? 0) + 1;
        stats.failed += batch.length;
        if (next === 1 && stats.accepted === 0) stop = new Error(`cannot reach ${url}: ${(error as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    if (progress) clearInterval(progress);
  }
  if (stop) throw stop;
  return snapshot();
}

/** The p-th percentile (0-100) of a list of numbers, nearest rank; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
