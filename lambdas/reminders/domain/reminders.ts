/**
 * What a signed-in user does with reminders: create, list, read, change (time, address) and
 * delete their own. Only the owner sees a reminder: someone else's id is "not found", never
 * "forbidden" (which would tell that it exists).
 *
 * The account's addresses and the happening come from this capability's own projections of
 * `accounts.events` and `happenings.changes`. A brand-new account whose addresses are still on
 * their way is answered "unavailable, retry shortly" (503 with Retry-After), not "that address
 * is not yours" (a wrong 400).
 */
import { Conflict, type FieldProblem, InvalidInput, NotFound, Unavailable } from '../../platform/errors';
import { cursorOf, valueOfCursor } from '../../platform/http/cursor';
import {
  type AccountAddresses,
  type HappeningSnapshot,
  MAX_SCHEDULED_PER_ACCOUNT,
  normalizedEmail,
  type Reminder,
} from './reminder';
import type { ListPosition, ReminderPage, ReminderRepository } from './repository';

/** The signed-in user (the JWT authorizer's principal). */
export interface Owner {
  readonly username: string;
  readonly sub: string;
}

export interface NewReminder {
  readonly happeningId: string;
  readonly remindAtMs: number;
  /** One of the account's addresses; the primary when absent. */
  readonly email?: string;
}

export interface ReminderChange {
  readonly remindAtMs?: number;
  readonly email?: string;
}

/** How long a client should wait before asking again while the account's addresses are on their way. */
export const ADDRESSES_RETRY_AFTER_SECONDS = 2;

/**
 * Makes sure the projection knows the owner's addresses before a reminder is made or changed. An
 * account it has not heard of — the local admin, an account older than reminders or than the
 * topic's retention, a new account whose event is still in flight — gets the user pool's primary
 * address, recorded at time 0 so that any real `addresses` event (later by definition) wins. An
 * account the pool no longer has is gone.
 */
export async function ensureAddressesKnown(
  repository: Pick<ReminderRepository, 'account' | 'applyAddresses'>,
  owner: Owner,
  primaryOf: (username: string) => Promise<string | undefined>,
): Promise<void> {
  if (await repository.account(owner.username)) return;
  const primary = await primaryOf(owner.username);
  if (!primary) throw new NotFound('the account no longer exists');
  await repository.applyAddresses(owner.username, [normalizedEmail(primary)], 0);
}

/** The addresses the owner may pick from, primary first; throws when they are not known (yet) or the account is gone. */
export function addressesOf(account: AccountAddresses | undefined, owner: Owner): readonly string[] {
  // A still-valid token of a deleted user: that account is gone (a new account may reuse the name).
  if (account?.deletedSub === owner.sub) throw new NotFound('the account no longer exists');
  if (!account || account.addresses.length === 0) {
    throw new Unavailable("the account's addresses are not known here yet (a new account's take a moment): retry shortly", {
      retryAfterSeconds: ADDRESSES_RETRY_AFTER_SECONDS,
    });
  }
  return account.addresses;
}

function invalid(problems: readonly FieldProblem[]): InvalidInput {
  return new InvalidInput(`${problems.length} problem(s) in the body: ${problems.map((p) => p.path).join(', ')}`, problems);
}

/** Problems of a remindAt for this happening at `nowMs`. */
function remindAtProblems(remindAtMs: number, happening: HappeningSnapshot, nowMs: number): FieldProblem[] {
  if (remindAtMs <= nowMs) return [{ path: 'body.remindAt', message: 'must be in the future' }];
  if (remindAtMs > happening.endsAtMs) {
    return [
      { path: 'body.remindAt', message: `must be before the happening ends (${new Date(happening.endsAtMs).toISOString()})` },
    ];
  }
  return [];
}

/** The address to mail: the one asked for if it is the account's, else a problem. */
function chosenEmail(
  asked: string | undefined,
  addresses: readonly string[],
  problems: FieldProblem[],
  fallback: string,
): string {
  if (asked === undefined) return fallback;
  const email = normalizedEmail(asked);
  if (!addresses.includes(email)) {
    problems.push({
      path: 'body.email',
      message: "must be one of the account's addresses (its email or a secondary address added with POST /v1/accounts/me/emails)",
    });
  }
  return email;
}

export async function createReminder(
  repository: ReminderRepository,
  owner: Owner,
  input: NewReminder,
  now: Date,
  newId: () => string,
): Promise<Reminder> {
  const nowMs = now.getTime();
  return repository.create(owner.username, input.happeningId, ({ account, happening, scheduledCount }) => {
    const addresses = addressesOf(account, owner);
    if (!happening || happening.deleted) throw new NotFound(`no happening ${input.happeningId}`);
    const problems = remindAtProblems(input.remindAtMs, happening, nowMs);
    const email = chosenEmail(input.email, addresses, problems, addresses[0] as string);
    if (problems.length > 0) throw invalid(problems);
    if (scheduledCount >= MAX_SCHEDULED_PER_ACCOUNT) {
      throw new Conflict(`an account may have at most ${MAX_SCHEDULED_PER_ACCOUNT} scheduled reminders; delete one first`);
    }
    return {
      id: newId(),
      username: owner.username,
      happeningId: happening.id,
      remindAtMs: input.remindAtMs,
      email,
      status: 'scheduled',
      version: 1,
      startsAtWhenMadeMs: happening.startsAtMs,
      claimedAtMs: null,
      requestedAtMs: null,
      reason: null,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    };
  });
}

export async function getReminder(repository: ReminderRepository, owner: Owner, id: string): Promise<Reminder> {
  const reminder = await repository.get(owner.username, id);
  if (!reminder) throw new NotFound(`no reminder ${id}`);
  return reminder;
}

/** Reschedules and/or retargets a reminder; only while it is `scheduled` (409 after). */
export async function updateReminder(
  repository: ReminderRepository,
  owner: Owner,
  id: string,
  change: ReminderChange,
  now: Date,
): Promise<Reminder> {
  const nowMs = now.getTime();
  const updated = await repository.update(owner.username, id, (current, { account, happening }) => {
    if (current.status !== 'scheduled') {
      throw new Conflict(`the reminder is ${current.status}: only a scheduled reminder can be changed`);
    }
    const addresses = addressesOf(account, owner);
    if (!happening || happening.deleted) throw new Conflict('the happening of this reminder was deleted');
    const problems = change.remindAtMs === undefined ? [] : remindAtProblems(change.remindAtMs, happening, nowMs);
    const email = chosenEmail(change.email, addresses, problems, current.email);
    if (problems.length > 0) throw invalid(problems);
    return {
      ...current,
      remindAtMs: change.remindAtMs ?? current.remindAtMs,
      email,
      version: current.version + 1,
      updatedAtMs: nowMs,
    };
  });
  if (!updated) throw new NotFound(`no reminder ${id}`);
  return updated;
}

export async function deleteReminder(repository: ReminderRepository, owner: Owner, id: string): Promise<void> {
  if (!(await repository.delete(owner.username, id))) throw new NotFound(`no reminder ${id}`);
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function listReminders(
  repository: ReminderRepository,
  owner: Owner,
  limit: number,
  after?: ListPosition,
): Promise<ReminderPage> {
  return repository.list(owner.username, limit, after);
}

/** A page's end as an opaque cursor. */
export function encodeCursor(position: ListPosition): string {
  return cursorOf([position.remindAtMs, position.id]);
}

/** The position a cursor stands for, or undefined when it is not one this API made. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  const decoded = valueOfCursor(cursor, 200);
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [remindAtMs, id] = decoded as unknown[];
  if (typeof remindAtMs !== 'number' || !Number.isSafeInteger(remindAtMs)) return undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) return undefined;
  return { remindAtMs, id };
}
