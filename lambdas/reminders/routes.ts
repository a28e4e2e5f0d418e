/**
 * The HTTP contract of the reminders capability: a signed-in user's own reminders (behind the
 * user pool's JWT authorizer). Someone else's reminder is answered 404, like one that does not
 * exist. Read by the handler, the manifest (the CDK app and the local runtime) and the OpenAPI
 * document.
 */
import * as z from 'zod';
import { decimalInteger, instantText, single } from '../platform/http/query';
import { type RouteContract, USER_POOL_AUTHORIZER } from '../platform/manifest-types';
import { ID_PATTERN, REMINDER_STATUSES } from './domain/reminder';
import { DEFAULT_PAGE_SIZE, decodeCursor, MAX_PAGE_SIZE } from './domain/reminders';
import type { ListPosition } from './domain/repository';

const mine = { authorizer: USER_POOL_AUTHORIZER } as const;

const idSchema = z.string().regex(ID_PATTERN, 'must be an id (a lower-case UUID)');

const instantSchema = instantText('ISO-8601 time with a UTC offset or Z, to the millisecond at most');

const emailSchema = z.email().max(254).meta({ description: "one of the account's addresses (its email or a secondary address)" });

const reminderAnswer = z
  .object({
    id: z.string(),
    happeningId: z.string(),
    remindAt: z.string().meta({ description: 'UTC, with milliseconds' }),
    email: z.string(),
    status: z.enum(REMINDER_STATUSES).meta({
      description:
        'scheduled (waiting; may be changed) → dispatching → requested (the mail is asked for) → sent | failed | uncertain; cancelled when the happening was deleted',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
    requestedAt: z.string().optional().meta({ description: 'when the mail was asked for' }),
    reason: z.string().optional().meta({ description: 'why it failed, is uncertain or was cancelled' }),
  })
  .meta({ description: 'A reminder' });

const idPath = z.strictObject({ id: idSchema });

/** Small bodies: an id, a time and an address. */
const MAX_BODY_BYTES = 4 * 1024;

const createBody = z.strictObject({
  happeningId: idSchema.meta({ description: 'the happening to be reminded of' }),
  remindAt: instantSchema.meta({ description: 'when to send the mail: in the future, before the happening ends' }),
  email: emailSchema.optional().meta({ description: "where to send it: one of the account's addresses (default: its email)" }),
});
export type CreateReminderBody = z.output<typeof createBody>;

export const createReminderRoute: RouteContract<CreateReminderBody> = {
  ...mine,
  method: 'POST',
  path: '/v1/reminders',
  operation: 'createReminder',
  summary: "Schedule a reminder mail about a happening, to one of the account's addresses",
  body: createBody,
  maxBodyBytes: MAX_BODY_BYTES,
  responses: {
    201: { description: 'scheduled', body: reminderAnswer },
    404: { description: 'no such happening (or it was deleted) (problem+json)' },
    409: { description: 'the account has the most scheduled reminders it may have (problem+json)' },
    503: { description: "the account's addresses are not known yet (a new account): retry after Retry-After (problem+json)" },
  },
};

const listQuery = z
  .strictObject({
    limit: single(decimalInteger({ min: 1, max: MAX_PAGE_SIZE })).optional(),
    cursor: single(
      z
        .string()
        .max(200, 'is not a cursor this API answered')
        .transform((value, ctx): ListPosition => {
          const position = decodeCursor(value);
          if (!position) {
            ctx.addIssue({ code: 'custom', message: 'is not a cursor this API answered' });
            return z.NEVER;
          }
          return position;
        }),
    ).optional(),
  })
  .transform((q) => ({ limit: q.limit ?? DEFAULT_PAGE_SIZE, ...(q.cursor ? { after: q.cursor } : {}) }));
export type ListRemindersQuery = z.output<typeof listQuery>;

export const listRemindersRoute: RouteContract<undefined, ListRemindersQuery> = {
  ...mine,
  method: 'GET',
  path: '/v1/reminders',
  operation: 'listMyReminders',
  summary: `The signed-in user's reminders by remindAt (then id), ${DEFAULT_PAGE_SIZE} a page by default, at most ${MAX_PAGE_SIZE}`,
  query: listQuery,
  responses: {
    200: {
      description: 'a page; `nextCursor` asks for the next one',
      body: z.object({ items: z.array(reminderAnswer), nextCursor: z.string().optional() }),
    },
  },
};

export const getReminderRoute: RouteContract<undefined, undefined, { id: string }> = {
  ...mine,
  method: 'GET',
  path: '/v1/reminders/{id}',
  operation: 'getReminder',
  summary: "One of the signed-in user's reminders",
  pathParameters: idPath,
  responses: {
    200: { description: 'the reminder', body: reminderAnswer },
    404: { description: 'no such reminder of this account (problem+json)' },
  },
};

const patchBody = z
  .strictObject({
    remindAt: instantSchema.optional().meta({ description: 'a new time: in the future, before the happening ends' }),
    email: emailSchema.optional(),
  })
  .refine((patch) => patch.remindAt !== undefined || patch.email !== undefined, 'name remindAt, email or both');
export type UpdateReminderBody = z.output<typeof patchBody>;

export const updateReminderRoute: RouteContract<UpdateReminderBody, undefined, { id: string }> = {
  ...mine,
  method: 'PATCH',
  path: '/v1/reminders/{id}',
  operation: 'updateReminder',
  summary: 'Reschedule a reminder or change its address (only while it is scheduled)',
  body: patchBody,
  maxBodyBytes: MAX_BODY_BYTES,
  pathParameters: idPath,
  responses: {
    200: { description: 'the reminder after the change', body: reminderAnswer },
    404: { description: 'no such reminder of this account (problem+json)' },
    409: { description: 'the reminder is no longer scheduled (problem+json)' },
  },
};

export const deleteReminderRoute: RouteContract<undefined, undefined, { id: string }> = {
  ...mine,
  method: 'DELETE',
  path: '/v1/reminders/{id}',
  operation: 'deleteReminder',
  summary: 'Delete a reminder (a mail already asked for may still arrive)',
  pathParameters: idPath,
  responses: {
    204: { description: 'deleted' },
    404: { description: 'no such reminder of this account (problem+json)' },
  },
};
