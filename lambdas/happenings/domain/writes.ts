/**
 * What admins do to happenings: create, change, delete. Each change is stored with its change
 * record in one transaction (the repository's outbox); the caller then relays that record to
 * Kafka right away (best effort, `relayNow`), and the scheduled relay publishes whatever that
 * could not (outbox.ts).
 */
import { InvalidInput, NotFound } from '../../platform/errors';
import { changeOf, deletionOf } from './change';
import type { Happening, HappeningFields, HappeningPatch } from './happening';
import { timesProblem } from './happening';
import type { HappeningRepository, OutboxEntry } from './repository';

export interface Written {
  readonly happening: Happening;
  readonly entry: OutboxEntry;
}

export async function createHappening(
  repository: HappeningRepository,
  fields: HappeningFields,
  now: Date,
  newId: () => string,
): Promise<Written> {
  const at = now.toISOString();
  const happening: Happening = { id: newId(), version: 1, ...fields, topics: [...fields.topics], createdAt: at, updatedAt: at };
  const entry = await repository.create(happening, changeOf(happening));
  return { happening, entry };
}

/** The happening after a patch, one version on; InvalidInput when the merged times do not fit. */
export function patched(current: Happening, patch: HappeningPatch, now: Date): Happening {
  const next: Happening = {
    ...current,
    ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
    version: current.version + 1,
    updatedAt: now.toISOString(),
  };
  const problem = timesProblem(next.startsAt, next.endsAt);
  if (problem) {
    const path = patch.endsAt !== undefined || patch.startsAt === undefined ? 'body.endsAt' : 'body.startsAt';
    const message =
      path === 'body.endsAt' ? `${problem} (${next.startsAt})` : `must be before endsAt (${next.endsAt}), at most 366 days`;
    throw new InvalidInput(`1 problem(s) in the body: ${path}`, [{ path, message }]);
  }
  return next;
}

export async function updateHappening(
  repository: HappeningRepository,
  id: string,
  patch: HappeningPatch,
  now: Date,
): Promise<Written> {
  const result = await repository.update(id, (current) => {
    const happening = patched(current, patch, now);
    return { happening, change: changeOf(happening, current) };
  });
  if (!result) throw new NotFound(`no happening ${id}`);
  return result;
}

export async function deleteHappening(repository: HappeningRepository, id: string, now: Date): Promise<OutboxEntry> {
  const entry = await repository.delete(id, (last) => deletionOf(last, now.toISOString()));
  if (!entry) throw new NotFound(`no happening ${id}`);
  return entry;
}
