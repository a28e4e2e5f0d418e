/**
 * What other capabilities may use of accounts (the only module of this folder they import): the
 * account events and their topic. `deleted` asks every capability to remove what belongs to the
 * account; `addresses` lists every address a mail to the account may go to (primary first),
 * after any change, so a capability keeps its own copy instead of asking accounts.
 */
import { z } from 'zod';

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
