/**
 * What travels on `mail.requests` and `mail.outcomes`, and the one way producers ask for a mail.
 * Values go into subjects and bodies, so text is plain: bounded, no control characters (a CR/LF
 * in a subject would start a new header line), no unpaired surrogates.
 */
import * as z from 'zod';
import type { EventBus } from '../../platform/bus/event-bus';
import { InvalidInput } from '../../platform/errors';
import { mailOutcomesTopic, mailRequestsTopic } from '../topics';

// Unicode's control characters: C0 (tab, CR, LF included), DEL and C1.
const CONTROL = /\p{Cc}/u;

const plainText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine(
      (text) => !CONTROL.test(text) && text.isWellFormed(),
      'must be plain text: no control characters or unpaired surrogates',
    );

/** True when `Intl` knows the zone (IANA names such as `Europe/Warsaw`, and `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const instant = z.iso.datetime({ offset: true });

/** The idempotency key the producer picks: the same request id is mailed at most once. */
export const requestIdSchema = plainText(200);

const refSchema = z.strictObject({ kind: plainText(64), id: plainText(200) });

export const welcomeDataSchema = z.strictObject({ username: plainText(128) });

export const reminderDataSchema = z.strictObject({
  /** The happening's title. */
  title: plainText(300),
  /** When it starts (an instant: ISO 8601 with `Z` or an offset). */
  startsAt: instant,
  /** The happening's IANA time zone: the start is written in its local time. */
  timeZone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Europe/Warsaw'),
  /** Where it happens, as people read it. */
  place: plainText(500),
  /** When it was to start before it was moved, if it was. */
  movedFrom: instant.optional(),
});

const common = {
  requestId: requestIdSchema,
  to: z.email().max(254),
  /** What the mail is about, handed back in its outcome (e.g. `{kind: 'reminder', id}`). */
  ref: refSchema.optional(),
};

export const mailRequestSchema = z.discriminatedUnion('template', [
  z.strictObject({ ...common, template: z.literal('welcome'), data: welcomeDataSchema }),
  z.strictObject({ ...common, template: z.literal('reminder'), data: reminderDataSchema }),
]);

export type MailRequest = z.infer<typeof mailRequestSchema>;
export type MailTemplate = MailRequest['template'];
export type MailRef = z.infer<typeof refSchema>;

const outcomeBase = { requestId: requestIdSchema, ref: refSchema.optional() };

/**
 * What became of a request, published once it is settled (and again when the request is
 * delivered again, so a lost publish is made good): `sent` with SES's message id; `failed`
 * (refused for good, never sent); `uncertain` (a send may or may not have happened and will not
 * be tried again, see docs/ARCHITECTURE.md, "Mail is sent at most once").
 */
export const mailOutcomeSchema = z.discriminatedUnion('status', [
  z.strictObject({ ...outcomeBase, status: z.literal('sent'), messageId: z.string().min(1) }),
  z.strictObject({ ...outcomeBase, status: z.literal('failed'), reason: z.string() }),
  z.strictObject({ ...outcomeBase, status: z.literal('uncertain'), reason: z.string() }),
]);

export type MailOutcome = z.infer<typeof mailOutcomeSchema>;

/**
 * Asks for a mail: validates the request and publishes it to `mail.requests` keyed by its
 * request id (so every copy of one request lands in one partition, in order). Resolves once
 * Kafka has it; an invalid request is an `InvalidInput` naming each field (`mail.to` ...). The
 * producer's function must declare `produces: [mailRequestsTopic.name]`.
 */
export async function requestMail(bus: EventBus, request: MailRequest): Promise<MailRequest> {
  const parsed = mailRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw new InvalidInput(
      'the mail request is invalid',
      parsed.error.issues.map((issue) => ({ path: ['mail', ...issue.path.map(String)].join('.'), message: issue.message })),
    );
  }
  await bus.publish(mailRequestsTopic.name, [{ key: parsed.data.requestId, value: JSON.stringify(parsed.data) }]);
  return parsed.data;
}

/** Publishes outcomes to `mail.outcomes`, keyed by request id. */
export async function publishOutcomes(bus: EventBus, outcomes: readonly MailOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await bus.publish(
    mailOutcomesTopic.name,
    outcomes.map((outcome) => ({ key: outcome.requestId, value: JSON.stringify(outcome) })),
  );
}
