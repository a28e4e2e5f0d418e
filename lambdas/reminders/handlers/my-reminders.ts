import { randomUUID } from 'node:crypto';
import { Unauthenticated } from '../../platform/errors';
import { httpRouter, json, noContent, on } from '../../platform/http/http-route';
import type { Principal } from '../../platform/http/principal';
import { platform } from '../../platform/wiring';
import { viewOf } from '../domain/reminder';
import {
  createReminder,
  deleteReminder,
  encodeCursor,
  ensureAddressesKnown,
  getReminder,
  listReminders,
  type Owner,
  updateReminder,
} from '../domain/reminders';
import { createReminderRoute, deleteReminderRoute, getReminderRoute, listRemindersRoute, updateReminderRoute } from '../routes';
import { reminderRepository } from '../wiring';

/** The JWT authorizer let the request in, so a principal is there; without one the route fails closed. */
function owner(principal: Principal | undefined): Owner {
  if (!principal) throw new Unauthenticated('no signed-in user');
  return { username: principal.username, sub: principal.sub };
}

/** The user pool's primary address of an account, for accounts the projection has not heard of. */
async function primaryOf(username: string): Promise<string | undefined> {
  return (await (await platform.identity()).getUser(username))?.email;
}

/** Every `/v1/reminders…` route: the signed-in user's own reminders (someone else's id is a 404). */
export const handler = httpRouter([
  on(createReminderRoute, async ({ principal, body }) => {
    const input = { happeningId: body.happeningId, remindAtMs: body.remindAt, email: body.email };
    const repository = await reminderRepository();
    await ensureAddressesKnown(repository, owner(principal), primaryOf);
    const reminder = await createReminder(repository, owner(principal), input, platform.clock.now(), randomUUID);
    const response = json(201, viewOf(reminder));
    return { ...response, headers: { ...response.headers, location: `/v1/reminders/${reminder.id}` } };
  }),
  on(listRemindersRoute, async ({ principal, query }) => {
    const page = await listReminders(await reminderRepository(), owner(principal), query.limit, query.after);
    return json(200, { items: page.items.map(viewOf), ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) });
  }),
  on(getReminderRoute, async ({ principal, path }) =>
    json(200, viewOf(await getReminder(await reminderRepository(), owner(principal), path.id))),
  ),
  on(updateReminderRoute, async ({ principal, path, body }) => {
    const change = { remindAtMs: body.remindAt, email: body.email };
    const repository = await reminderRepository();
    await ensureAddressesKnown(repository, owner(principal), primaryOf);
    const reminder = await updateReminder(repository, owner(principal), path.id, change, platform.clock.now());
    return json(200, viewOf(reminder));
  }),
  on(deleteReminderRoute, async ({ principal, path }) => {
    await deleteReminder(await reminderRepository(), owner(principal), path.id);
    return noContent();
  }),
]);
