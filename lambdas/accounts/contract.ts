/**
 * What other capabilities may use of accounts (the only module of this folder they import): the
 * account events and their topic. `deleted` asks every capability to remove what belongs to the
 * account; `addresses` lists every address a mail to the account may go to (primary first),
 * after any change, so a capability keeps its own copy instead of asking accounts. And the
 * sign-in itself, for pages with a sign-in form of their own.
 */
import * as z from 'zod';
import type { Tokens } from '../platform/identity/identity';

export { accountEventsTopic } from './topics';

export const accountEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('deleted'), username: z.string().min(1), sub: z.string(), at: z.string() }),
  z.strictObject({
    type: z.literal('addresses'),
    username: z.string().min(1),
    addresses: z.array(z.string()).min(1),
    at: z.string(),
  }),
]);

export type AccountEvent = z.infer<typeof accountEventSchema>;

/**
 * Signs in exactly as `POST /v1/sessions` does (the same limiter: repeated failures per username
 * and per client address are RateLimited; a wrong password and an unknown user the same
 * Unauthenticated), for a capability with a sign-in form of its own (people's web pages). The
 * function that calls it needs `identity` and `cache` in its `uses`.
 */
export async function signInWithPassword(input: {
  readonly username: string;
  readonly password: string;
  readonly clientAddress: string;
}): Promise<Tokens> {
  // Loaded on use: the contract stays light for the many modules that only read its schemas.
  const [{ signIn }, { signInLimiter }, { platform }] = await Promise.all([
    import('./domain/accounts'),
    import('./wiring'),
    import('../platform/wiring'),
  ]);
  return signIn({ identity: await platform.identity() }, await signInLimiter(), input);
}
