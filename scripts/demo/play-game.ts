/**
 * The seeds' game against a running Eventline: simulated players buy swords and knives and join
 * guilds, each action an event with its metadata (price, currency, sword type, guild name,
 * level, ...), sent in batches to POST /v1/apps/{appId}/events at a bounded rate.
 *
 *   npm start                                  # embedded: the demo app `demo-game` and its key are built in
 *   npx tsx scripts/demo/play-game.ts          # 1000 events of 50 players at 200 events/s
 *
 *   npx tsx scripts/demo/play-game.ts --url=http://127.0.0.1:3000 --app=my-game --key=elk_… \
 *     --players=200 --events=5000 --batch=100 --rate=500 [--invalid=0.02] [--resend=0.01] [--seed=7]
 *
 * The key can also come from EVENTLINE_APP_KEY (kept out of shell history), the app from
 * EVENTLINE_APP_ID, the URL from EVENTLINE_URL. Only loopback URLs unless --allow-remote.
 * Prints accepted/rejected counts every second and a summary with the rate and batch latency.
 */
import { randomBytes } from 'node:crypto';
import { EMBEDDED_DEMO_APP_ID, EMBEDDED_DEMO_APP_KEY } from '../../lambdas/tracking/app-events-wiring';
import {
  AuthorizationError,
  type GameEvent,
  isLoopback,
  percentile,
  playGame,
  randomFrom,
  type SendStats,
  sendEvents,
} from './game-simulation';

const LIMITS = {
  players: [1, 100_000],
  events: [1, 200_000],
  batch: [1, 500],
  rate: [1, 10_000],
  concurrency: [1, 16],
} as const;

interface Options {
  url: string;
  app: string;
  key?: string;
  players: number;
  events: number;
  batch: number;
  rate: number;
  concurrency: number;
  invalid: number;
  resend: number;
  seed: number;
  allowRemote: boolean;
}

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const options: Options = {
    url: env.EVENTLINE_URL ?? 'http://127.0.0.1:3000',
    app: env.EVENTLINE_APP_ID ?? EMBEDDED_DEMO_APP_ID,
    key: env.EVENTLINE_APP_KEY,
    players: 50,
    events: 1000,
    batch: 25,
    rate: 200,
    concurrency: 4,
    invalid: 0,
    resend: 0,
    seed: Date.now() % 1_000_000,
    allowRemote: false,
  };
  for (const arg of argv) {
    if (arg === '--allow-remote') {
      options.allowRemote = true;
      continue;
    }
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg} (see the comment at the top of scripts/demo/play-game.ts)`);
    const [, name, value] = match as unknown as [string, string, string];
    if (name === 'url') options.url = value;
    else if (name === 'app') options.app = value;
    else if (name === 'key') options.key = value;
    else if (name === 'invalid' || name === 'resend') {
      const fraction = Number(value);
      if (!(fraction >= 0 && fraction <= 1)) throw new Error(`--${name} must be a fraction from 0 to 1`);
      options[name] = fraction;
    } else if (name === 'seed') options.seed = Number(value);
    else if (name in LIMITS) {
      const [min, max] = LIMITS[name as keyof typeof LIMITS];
      const number = Number(value);
      if (!Number.isInteger(number) || number < min || number > max)
        throw new Error(`--${name} must be an integer from ${min} to ${max}`);
      options[name as keyof typeof LIMITS] = number;
    } else throw new Error(`unknown option --${name}`);
  }
  return options;
}

/** Spoils a fraction of events (a bad type) and resends a fraction (same event_id), to show both answers. */
function withMischief(events: GameEvent[], options: Options): object[] {
  const random = randomFrom(options.seed + 1);
  const sent: object[] = events.map((event) => (random() < options.invalid ? { ...event, type: 'Not A Valid Type' } : event));
  for (const event of events) if (random() < options.resend) sent.push(event);
  return sent;
}

function line(stats: SendStats): string {
  const seconds = stats.elapsedMs / 1000;
  const rate = seconds > 0 ? stats.sent / seconds : 0;
  return (
    `${seconds.toFixed(1).padStart(6)}s  sent ${stats.sent}  accepted ${stats.accepted}  rejected ${stats.rejected}` +
    `${stats.failed > 0 ? `  failed ${stats.failed}` : ''}  ${rate.toFixed(1)} events/s`
  );
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const url = new URL(options.url);
  if (!isLoopback(url) && !options.allowRemote) {
    throw new Error(`${url.origin} is not a loopback address; pass --allow-remote to play against it`);
  }
  let key = options.key;
  if (!key) {
    if (options.app !== EMBEDDED_DEMO_APP_ID || !isLoopback(url)) {
      throw new Error('no key: pass --key=elk_… or set EVENTLINE_APP_KEY (scripts/admin/create-app.ts prints one)');
    }
    key = EMBEDDED_DEMO_APP_KEY;
    console.log(`using the embedded backend's built-in demo key for ${EMBEDDED_DEMO_APP_ID}`);
  }

  const runId = `run-${randomBytes(3).toString('hex')}`;
  const events = withMischief(playGame({ players: options.players, count: options.events, seed: options.seed, runId }), options);
  console.log(
    `playing ${options.events} actions of ${options.players} players (seed ${options.seed}, event ids ${runId}-*) against ` +
      `${url.origin}/v1/apps/${options.app}/events: ${events.length} events in batches of ${options.batch}, at most ${options.rate}/s`,
  );
  const stats = await sendEvents(events, {
    baseUrl: url.origin,
    appId: options.app,
    key,
    batchSize: options.batch,
    rate: options.rate,
    concurrency: options.concurrency,
    onProgress: (s) => console.log(line(s)),
  });
  console.log(line(stats));
  console.log(
    `done: ${stats.accepted} accepted, ${stats.rejected} rejected, ${stats.failed} failed; ` +
      `batch latency p50 ${percentile(stats.batchLatenciesMs, 50)} ms, p99 ${percentile(stats.batchLatenciesMs, 99)} ms`,
  );
  for (const reason of stats.rejections) console.log(`  rejected: ${reason}`);
  for (const [status, count] of Object.entries(stats.failures)) console.log(`  ${count} batch(es) failed with ${status}`);
  return stats.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`${error instanceof AuthorizationError ? 'not authorized' : 'error'}: ${(error as Error).message}`);
    process.exit(1);
  },
);
