/**
 * Creates an app (if it does not exist yet) and issues it a new ingest key, printed ONCE.
 *
 *   npx tsx scripts/admin/create-app.ts <appId> [name]                      services backend (local MariaDB)
 *   EVENTLINE_MYSQL_DATABASE=other npx tsx scripts/admin/create-app.ts …    another local database
 *   npx tsx scripts/admin/create-app.ts <appId> [name] --backend=aws        RDS Proxy, from inside the VPC
 *                                                                           (DB_PROXY_ENDPOINT, DB_SECRET_ARN, DB_NAME)
 *   npx tsx scripts/admin/create-app.ts <appId> [name] --sql                no connection: prints the key and the
 *                                                                           SQL (hash only) to run in any SQL session
 *   npx tsx scripts/admin/create-app.ts <appId> --backend=embedded          prints a key and the env to start the
 *                                                                           embedded backend with it
 *
 * Running it again for the same app issues an additional key (rotation); revoke old ones with
 * scripts/admin/revoke-key.ts. Only the SHA-256 of the key's secret is stored.
 */
import { DemoAppEnv } from '../../lambdas/tracking/app-events-wiring';
import { appIdSchema, issueAppKey } from '../../lambdas/tracking/domain/app-registry';
import { generateIngestKey } from '../../lambdas/tracking/domain/ingest-key';
import { createAppSql, parseAdminArgs, runAdminCommand, withRegistry } from './app-admin';

const USAGE = 'usage: npx tsx scripts/admin/create-app.ts <appId> [name] [--backend=services|aws|embedded] [--sql]';

function showKey(key: string): void {
  console.log('');
  console.log('ingest key (shown only now; store it, it cannot be recovered):');
  console.log(`  ${key}`);
  console.log('');
  console.log('send events with the header  x-api-key: <key>');
}

async function main(): Promise<void> {
  const args = parseAdminArgs(process.argv.slice(2));
  const [appId, nameArg] = args.positional;
  if (!appId || args.positional.length > 2) throw new Error(USAGE);
  const valid = appIdSchema.safeParse(appId);
  if (!valid.success) throw new Error(`app id "${appId}" ${valid.error.issues[0]?.message}`);
  const name = nameArg ?? appId;

  if (args.sqlOnly || args.backend === 'embedded') {
    const key = generateIngestKey();
    if (args.backend === 'embedded') {
      console.log('The embedded backend keeps apps in memory of `npm start`; start it with this app and key:');
      console.log(`  ${DemoAppEnv.appId}=${appId} ${DemoAppEnv.key}=${key.key} npm start`);
    } else {
      console.log(`-- app ${appId}, key ${key.keyId}: run in the Eventline database`);
      console.log(createAppSql(appId, name, key.keyId, key.keyHash));
    }
    showKey(key.key);
    return;
  }

  await withRegistry(args.backend, async (registry) => {
    const issued = await issueAppKey(registry, appId, name, new Date());
    const app = await registry.getApp(appId);
    console.log(
      `${issued.appCreated ? 'created app' : 'app exists:'} ${appId} ("${app?.name ?? name}") on the ${args.backend} backend`,
    );
    console.log(`new key id: ${issued.keyId}  (the app has ${(await registry.listKeys(appId)).length} key(s))`);
    showKey(issued.key);
  });
}

runAdminCommand(main);
