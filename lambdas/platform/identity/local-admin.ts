/**
 * The local admin account: user `admin` (admin@example.com) in the pool's `admin` group, created
 * when missing so a local run (embedded or services) has someone who may do admin things.
 * Idempotent: an existing `admin` keeps its email and gets the configured password; the group is ensured.
 */
import { Conflict } from '../errors';
import type { IdentityProvider, IdentityUser } from './identity';

export const LOCAL_ADMIN = { username: 'admin', email: 'admin@example.com', group: 'admin' } as const;

/** Returns the admin as it is now (created or found), always in the `admin` group. */
export async function ensureLocalAdmin(identity: IdentityProvider, password: string): Promise<IdentityUser> {
  let admin = await identity.getUser(LOCAL_ADMIN.username);
  if (!admin) {
    try {
      admin = await identity.signUp({ username: LOCAL_ADMIN.username, email: LOCAL_ADMIN.email, password });
    } catch (error) {
      // Another process created it between the look-up and the sign-up: that one will do.
      if (!(error instanceof Conflict)) throw error;
    }
  }
  // The configured password wins over whatever an earlier run left (a changed EVENTLINE_ADMIN_PASSWORD).
  else await identity.setPassword(LOCAL_ADMIN.username, password);
  if (!admin?.groups.includes(LOCAL_ADMIN.group)) await identity.addToGroup(LOCAL_ADMIN.username, LOCAL_ADMIN.group);
  const current = await identity.getUser(LOCAL_ADMIN.username);
  if (!current) throw new Error('the local admin vanished while it was being set up');
  return current;
}
