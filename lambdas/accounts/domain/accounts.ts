/**
 * Accounts over the identity port: thin on purpose — Cognito (or the embedded pool) owns users,
 * passwords, tokens and groups; this adds the secondary addresses, the welcome mail, sign-in
 * throttling and the account events other capabilities react to.
 */

import { requestMail } from '../../mail/contract';
import type { EventBus } from '../../platform/bus/event-bus';
import type { Clock } from '../../platform/clock/clock';
import { Conflict, InvalidInput, NotFound, Unauthenticated } from '../../platform/errors';
import type { IdentityProvider, IdentityUser, Tokens } from '../../platform/identity/identity';
import type { AccountEvent } from '../contract';
import { accountEventsTopic } from '../topics';
import { type AccountEmails, MAX_SECONDARY_EMAILS, normalizedEmail } from './account-emails';
import type { SignInLimiter } from './sign-in-limits';

export interface AccountPorts {
  readonly identity: IdentityProvider;
  readonly emails: AccountEmails;
  readonly bus: EventBus;
  readonly clock: Clock;
}

export interface Account {
  readonly username: string;
  readonly email: string;
  readonly groups: readonly string[];
  readonly secondaryEmails: readonly string[];
}

async function publish(bus: EventBus, event: AccountEvent): Promise<void> {
  await bus.publish(accountEventsTopic.name, [{ key: event.username, value: JSON.stringify(event) }]);
}

/** Every address a mail to the account may go to, primary first, after any change. */
async function publishAddresses(
  ports: AccountPorts,
  account: Pick<Account, 'username' | 'email' | 'secondaryEmails'>,
): Promise<void> {
  const addresses = [...new Set([normalizedEmail(account.email), ...account.secondaryEmails])];
  await publish(ports.bus, { type: 'addresses', username: account.username, addresses, at: ports.clock.now().toISOString() });
}

/**
 * Signs up a confirmed user, then asks for the welcome mail (request id `welcome/<sub>`: mailed
 * at most once) and publishes the account's addresses. Retry-safe: when a client resends a
 * sign-up whose account exists with this very password and email (its first answer was lost, or
 * the publishes failed after the user was created), the publishes are made again and the answer
 * is the same 201; any other existing username is a 409.
 */
export async function signUp(
  ports: AccountPorts,
  input: { username: string; email: string; password: string },
): Promise<Account> {
  const email = normalizedEmail(input.email);
  let user: IdentityUser;
  try {
    user = await ports.identity.signUp({ ...input, email });
  } catch (error) {
    if (!(error instanceof Conflict)) throw error;
    user = await sameSignUpAgain(ports, { ...input, email }, error);
  }
  await requestMail(ports.bus, {
    requestId: `welcome/${user.sub}`,
    template: 'welcome',
    to: user.email,
    data: { username: user.username },
    ref: { kind: 'account', id: user.username },
  });
  const account = {
    username: user.username,
    email: user.email,
    groups: user.groups,
    secondaryEmails: await ports.emails.list(user.username),
  };
  await publishAddresses(ports, account);
  return account;
}

async function sameSignUpAgain(
  ports: AccountPorts,
  input: { username: string; email: string; password: string },
  conflict: Conflict,
): Promise<IdentityUser> {
  const existing = await ports.identity.getUser(input.username);
  if (!existing || normalizedEmail(existing.email) !== input.email) throw conflict;
  try {
    await ports.identity.signIn(input.username, input.password);
  } catch (error) {
    if (error instanceof Unauthenticated) throw conflict;
    throw error;
  }
  return existing;
}

/** Signs in, slowed by the limiter; wrong password and unknown user are the same 401. */
export async function signIn(
  ports: Pick<AccountPorts, 'identity'>,
  limiter: SignInLimiter,
  input: { username: string; password: string; clientAddress: string },
): Promise<Tokens> {
  await limiter.check(input.username, input.clientAddress);
  try {
    return await ports.identity.signIn(input.username, input.password);
  } catch (error) {
    if (error instanceof Unauthenticated) await limiter.recordFailure(input.username, input.clientAddress);
    throw error;
  }
}

export async function accountOf(ports: Pick<AccountPorts, 'identity' | 'emails'>, username: string): Promise<Account> {
  const user = await ports.identity.getUser(username);
  // A valid token of a deleted user: the account is gone.
  if (!user) throw new NotFound('the account no longer exists');
  return { username: user.username, email: user.email, groups: user.groups, secondaryEmails: await ports.emails.list(username) };
}

export async function changeEmail(ports: AccountPorts, username: string, email: string): Promise<Account> {
  await ports.identity.setEmail(username, normalizedEmail(email));
  const account = await accountOf(ports, username);
  await publishAddresses(ports, account);
  return account;
}

export async function addSecondaryEmail(
  ports: AccountPorts,
  username: string,
  email: string,
): Promise<{ account: Account; added: boolean }> {
  const address = normalizedEmail(email);
  const before = await accountOf(ports, username);
  if (address === normalizedEmail(before.email)) throw new Conflict("that is the account's primary address");
  const added = !before.secondaryEmails.includes(address);
  if (added && before.secondaryEmails.length >= MAX_SECONDARY_EMAILS) {
    throw new InvalidInput(`at most ${MAX_SECONDARY_EMAILS} secondary addresses`, [
      { path: 'body.email', message: `the account has ${MAX_SECONDARY_EMAILS} secondary addresses already` },
    ]);
  }
  if (added) await ports.emails.add(username, address, ports.clock.now());
  const account = await accountOf(ports, username);
  await publishAddresses(ports, account);
  return { account, added };
}

export async function removeSecondaryEmail(ports: AccountPorts, username: string, email: string): Promise<Account> {
  if (!(await ports.emails.remove(username, normalizedEmail(email))))
    throw new NotFound('the account has no such secondary address');
  const account = await accountOf(ports, username);
  await publishAddresses(ports, account);
  return account;
}

/**
 * Deletes the user and its addresses, then publishes `deleted` so every capability removes what
 * belongs to the account. Retry-safe: a user already gone (an earlier attempt whose publish
 * failed, retried with the still-valid token) is deleted again as a no-op and the event published.
 */
export async function deleteAccount(ports: AccountPorts, principal: { username: string; sub: string }): Promise<void> {
  try {
    await ports.identity.deleteUser(principal.username);
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
  }
  await ports.emails.removeAll(principal.username);
  await publish(ports.bus, {
    type: 'deleted',
    username: principal.username,
    sub: principal.sub,
    at: ports.clock.now().toISOString(),
  });
}
