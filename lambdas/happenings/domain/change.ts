/**
 * The change record: what every change of a happening publishes to `happenings.changes` (key =
 * the happening's id), written to the outbox in the same transaction as the change itself.
 *
 * - `version` is the happening's version after the change (a delete is one more than the last
 *   stored version), so consumers keep the newest and ignore replays and older records.
 * - `deleted` says the happening is gone; `happening` (the whole happening) is there otherwise.
 * - `title`, `startsAt`, `endsAt`, `timezone` and `placeName` are always there — after a delete,
 *   the last stored values — so a consumer that shows or cancels something about the happening
 *   (reminders: "moved to …", "cancelled") needs nothing else; `previousStartsAt` and
 *   `previousEndsAt` are there when a change moved the happening in time.
 * - `changedAt` is when the change was committed (the projection's lag is measured from it).
 */
import * as z from 'zod';
import { type Happening, happeningOf, happeningSchema } from './happening';

export interface HappeningChange {
  readonly id: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly changedAt: string;
  readonly title: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly timezone: string;
  readonly placeName: string;
  readonly previousStartsAt?: string;
  readonly previousEndsAt?: string;
  readonly happening?: Happening;
}

/** How consumers read a change record (unknown keys are dropped, so records may grow). */
export const happeningChangeSchema = z
  .object({
    id: z.string().min(1).max(64),
    version: z.number().int().min(1),
    deleted: z.boolean(),
    changedAt: z.string(),
    title: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    timezone: z.string(),
    placeName: z.string(),
    previousStartsAt: z.string().optional(),
    previousEndsAt: z.string().optional(),
    happening: happeningSchema.optional(),
  })
  .refine((change) => change.deleted === (change.happening === undefined), 'a change carries the happening unless it deletes it')
  .refine((change) => change.happening === undefined || change.happening.id === change.id, 'the happening is the changed one')
  .refine(
    (change) => change.happening === undefined || change.happening.version === change.version,
    'the happening has the change version',
  );

function summaryOf(happening: Happening) {
  return {
    title: happening.title,
    startsAt: happening.startsAt,
    endsAt: happening.endsAt,
    timezone: happening.timezone,
    placeName: happening.place.name,
  };
}

/** The record of a create (no `previous`) or an update (`previous`: the happening before it). */
export function changeOf(next: Happening, previous?: Happening): HappeningChange {
  const moved =
    previous !== undefined && (previous.startsAt !== next.startsAt || previous.endsAt !== next.endsAt)
      ? { previousStartsAt: previous.startsAt, previousEndsAt: previous.endsAt }
      : {};
  return {
    id: next.id,
    version: next.version,
    deleted: false,
    changedAt: next.updatedAt,
    ...summaryOf(next),
    ...moved,
    happening: happeningOf(next),
  };
}

/** The record of a delete of `last` at `at`: one version more than the last stored one. */
export function deletionOf(last: Happening, at: string): HappeningChange {
  return { id: last.id, version: last.version + 1, deleted: true, changedAt: at, ...summaryOf(last) };
}
