/**
 * The mailer port on Amazon SES (v1 API `SendEmail`): real SES in AWS, the aws-ses-v2-local
 * emulator with `services`. SES's failures are said in the port's words (see `Mailer`):
 * `MailRejected`, `Unavailable`, `MailOutcomeUnknown`, or the SDK's error as it is.
 */
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { currentBackend, EnvNames, localServices } from '../config';
import { Unavailable } from '../errors';
import { type Mailer, MailOutcomeUnknown, MailRejected, type OutboxEntry, type OutgoingMail } from './mailer';
import { assertValidMail } from './validate-mail';

export interface SesMailerOptions {
  /** SES configuration set (event publishing: bounces, complaints, deliveries). */
  readonly configurationSetName?: string;
  /** The aws-ses-v2-local emulator's base URL: gives the mailer an `outbox()` read from its `GET /store`. */
  readonly emulatorEndpoint?: string;
}

/**
 * Options from the environment: the configuration set from `SES_CONFIGURATION_SET`; with
 * `services`, the emulator's endpoint (for `outbox()`).
 */
export function sesMailerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SesMailerOptions {
  return {
    configurationSetName: env[EnvNames.sesConfigurationSet] || undefined,
    emulatorEndpoint: currentBackend(env) === 'services' ? localServices(env).sesEndpoint : undefined,
  };
}

/** Refusals of this very mail: sending it again would be refused again. */
const REJECTED = new Set(['MessageRejected', 'InvalidParameterValue']);
/** SES would not take the mail now: throttled or unavailable, nothing was sent. */
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'RequestThrottled',
]);
/** No connection was made, so the request never left. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** The connection failed after the request may have been written: SES may have sent the mail. */
const MAYBE_DELIVERED = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TimeoutError']);

interface SdkFailure {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $fault?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly cause?: { readonly code?: string };
}

const SOCKET_CODES = [...NOT_CONNECTED, ...MAYBE_DELIVERED].filter((code) => code.startsWith('E'));
const SOCKET_CODE_IN_MESSAGE = new RegExp(`\\b(${SOCKET_CODES.join('|')})\\b`);

/** An SDK failure of `SendEmail` in the port's words (see `Mailer`). */
export function sesSendFailure(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const e = error as SdkFailure;
  const name = e.name ?? '';
  // The SDK turns a socket error it does not recognise as an Error (one from another realm, as
  // under jest) into "AWS SDK error wrapper for Error: connect ECONNREFUSED …": the code is then
  // only in the message.
  const code = e.code ?? e.cause?.code ?? SOCKET_CODE_IN_MESSAGE.exec(e.message ?? '')?.[1] ?? '';
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (REJECTED.has(name)) return new MailRejected(`SES refused the mail: ${e.message ?? name}`, name, { cause: error });
  if (THROTTLED.has(name) || status === 429) {
    return new Unavailable('SES is throttling sends, retry shortly', { cause: error, retryAfterSeconds: 5 });
  }
  if (e.$fault === 'server' || status >= 500) return new Unavailable('SES is unavailable, retry shortly', { cause: error });
  if (NOT_CONNECTED.has(code)) return new Unavailable('SES cannot be reached, retry shortly', { cause: error });
  if (MAYBE_DELIVERED.has(code) || MAYBE_DELIVERED.has(name)) {
    return new MailOutcomeUnknown(`the connection to SES failed mid-request (${code || name}): the mail may have been sent`, {
      cause: error,
    });
  }
  return error;
}

interface EmulatorStore {
  readonly emails: readonly {
    readonly messageId: string;
    readonly from: string;
    readonly destination: { readonly to: readonly string[] };
    readonly subject: string;
    readonly body: { readonly text?: string; readonly html?: string };
    /** Epoch seconds. */
    readonly at: number;
  }[];
}

export class SesMailer implements Mailer {
  /** Present when the mailer talks to the emulator: what it has received, from its `GET /store`. */
  readonly outbox?: () => Promise<OutboxEntry[]>;

  constructor(
    private readonly client: SESClient,
    private readonly options: SesMailerOptions = sesMailerOptionsFromEnv(),
  ) {
    const emulator = options.emulatorEndpoint;
    if (emulator) this.outbox = () => emulatorOutbox(emulator);
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    assertValidMail(mail);
    const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
    const output = await this.client
      .send(
        new SendEmailCommand({
          Source: mail.from,
          Destination: { ToAddresses: [...mail.to] },
          Message: {
            Subject: utf8(mail.subject),
            Body: {
              ...(mail.text ? { Text: utf8(mail.text) } : {}),
              ...(mail.html ? { Html: utf8(mail.html) } : {}),
            },
          },
          ConfigurationSetName: this.options.configurationSetName,
        }),
      )
      .catch((error: unknown) => {
        throw sesSendFailure(error);
      });
    if (!output.MessageId) throw new Error('SES accepted the mail but returned no message id');
    return { messageId: output.MessageId };
  }
}

async function emulatorOutbox(endpoint: string): Promise<OutboxEntry[]> {
  let store: EmulatorStore;
  try {
    const response = await fetch(new URL('/store', endpoint));
    if (!response.ok) throw new Error(`GET /store answered ${response.status}`);
    store = (await response.json()) as EmulatorStore;
  } catch (error) {
    throw new Unavailable(`the SES emulator at ${endpoint} cannot be read`, { cause: error });
  }
  return store.emails.map((email) => ({
    messageId: email.messageId,
    from: email.from,
    to: email.destination.to,
    subject: email.subject,
    text: email.body.text ?? '',
    html: email.body.html ?? null,
    sentAt: new Date(email.at * 1000).toISOString(),
  }));
}

/**
 * - `services`: the local emulator at `localServices().sesEndpoint`, region us-east-1, dummy
 *   credentials (the emulator checks none).
 * - `aws`: the SDK defaults (the function's region and role).
 * One attempt per send (`maxAttempts: 1`): SES takes no idempotency key, so an SDK retry after a
 * connection reset could mail twice; the caller retries only what was certainly not sent.
 */
export function sesClientFromEnv(env: NodeJS.ProcessEnv = process.env): SESClient {
  const backend = currentBackend(env);
  if (backend === 'services') {
    return new SESClient({
      endpoint: localServices(env).sesEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  }
  if (backend === 'aws') return new SESClient({ maxAttempts: 1 });
  throw new Error(`no SES in the embedded backend; use EmbeddedMailer or set ${EnvNames.backend}=services`);
}

/** A mailer for the current backend, with the configuration set from `SES_CONFIGURATION_SET`. */
export function sesMailerFromEnv(env: NodeJS.ProcessEnv = process.env): SesMailer {
  return new SesMailer(sesClientFromEnv(env), sesMailerOptionsFromEnv(env));
}
