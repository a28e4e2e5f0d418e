/**
 * `npm run people:reindex`: rebuilds the people search index from MySQL into a new index and
 * swaps it in (lambdas/people/domain/rebuild-index.ts), with a progress bar on stderr. Run again
 * after an interruption (Ctrl-C finishes the page in flight and stops), it resumes.
 *
 *   EVENTLINE_BACKEND=services npm run people:reindex     the local MariaDB and OpenSearch
 *   EVENTLINE_BACKEND=aws npm run people:reindex          from where the VPC is reachable, with a
 *                                                         function's environment (DB_PROXY_ENDPOINT,
 *                                                         DB_NAME, DB_SECRET_ARN, OPENSEARCH_ENDPOINT)
 *
 * Options: --page-size N (documents per page, default 500).
 * The embedded backend keeps its stores inside `npm start`'s process: there is nothing to rebuild from outside.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';

import { migrationSources } from '../lambdas/manifest';
import { type RebuildProgress, rebuildPeopleIndex } from '../lambdas/people/domain/rebuild-index';
import { rebuildPorts } from '../lambdas/people/rebuild-wiring';
import { currentBackend } from '../lambdas/platform/config';
import { migrate } from '../lambdas/platform/sql/migrate';
import { closeSqlPool, sqlPool } from '../lambdas/platform/sql/pool';
import { platform } from '../lambdas/platform/wiring';
import { progressBar } from './people-reindex-progress';

function pageSizeOf(args: readonly string[]): number | undefined {
  const at = args.indexOf('--page-size');
  if (at < 0) return undefined;
  const size = Number(args[at + 1]);
  if (!Number.isInteger(size) || size < 1 || size > 5000) throw new Error('--page-size must be an integer from 1 to 5000');
  return size;
}

async function main(): Promise<number> {
  const backend = currentBackend();
  if (backend === 'embedded') {
    console.error('people:reindex needs EVENTLINE_BACKEND=services (or aws): the embedded stores live inside `npm start`.');
    return 2;
  }
  const pageSize = pageSizeOf(process.argv.slice(2));
  // Locally the tables may be older than this checkout (no `npm start` since): migrate people first.
  if (backend === 'services') {
    await migrate(
      await sqlPool(),
      migrationSources.filter((source) => source.namespace === 'people'),
    );
  }

  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after this page; run the command again to resume\n');
    stop.abort();
  });
  const bar = progressBar(process.stderr);
  const outcome = await rebuildPeopleIndex(await rebuildPorts(), {
    pageSize,
    signal: stop.signal,
    onProgress: (progress: RebuildProgress) => bar.update(progress),
  });
  bar.end();
  if (outcome.status === 'interrupted') {
    const { phase, after, done } = outcome.checkpoint;
    console.error(`interrupted in ${phase} after ${done} document(s)${after ? ` (last ${after})` : ''}; run again to resume`);
    return 130;
  }
  const replaced = outcome.replaced.length > 0 ? `, replaced ${outcome.replaced.join(', ')}` : '';
  console.error(
    `people now reads ${outcome.target}: ${outcome.copied} row(s) copied, ${outcome.caughtUp} document(s) caught up${replaced}${outcome.resumed ? ' (resumed)' : ''}`,
  );
  return 0;
}

main()
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`people:reindex failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  )
  .finally(async () => {
    await closeSqlPool().catch(() => undefined);
    await (await platform.search().catch(() => undefined))?.close();
    const { closeOpenSearchClient } = await import('../lambdas/platform/search/opensearch-client');
    await closeOpenSearchClient().catch(() => undefined);
  });
