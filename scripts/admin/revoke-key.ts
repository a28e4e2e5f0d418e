/**
 * Revokes an app ingest key by its id (the 16 hex characters after `elk_`). API Gateway may go on
 * accepting a cached authorization for up to the authorizer's TTL (5 minutes).
 *
 *   npx tsx scripts/admin/revoke-key.ts <keyId> [--backend=services|aws] [--sql]
 */
import { parseAdminArgs, revokeKeySql, runAdminCommand, withRegistry } from './app-admin';

async function main(): Promise<void> {
  const args = parseAdminArgs(process.argv.slice(2));
  const [keyId] = args.positional;
  if (!keyId || args.positional.length > 1 || !/^[0-9a-f]{16}$/.test(keyId)) {
    throw new Error('usage: npx tsx scripts/admin/revoke-key.ts <keyId (16 hex characters)> [--backend=services|aws] [--sql]');
  }
  if (args.sqlOnly) {
    console.log(revokeKeySql(keyId));
    return;
  }
  await withRegistry(args.backend, async (registry) => {
    const found = await registry.revokeKey(keyId, new Date());
    if (!found) throw new Error(`no key ${keyId}`);
    const key = await registry.findKey(keyId);
    console.log(`key ${keyId} of app ${key?.appId} revoked at ${key?.revokedAt?.toISOString()}`);
  });
}

runAdminCommand(main);
