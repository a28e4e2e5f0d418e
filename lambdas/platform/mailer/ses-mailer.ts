/**
 * The mailer port on Amazon SES (v1 API `SendEmail`): real SES in AWS, the aws-ses-v2-local
 * emulator with `services`.
 */
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { currentBackend, EnvNames, localServices } from '../config';
import type { Mailer, OutgoingMail } from './mailer';
import { assertValidMail } from './validate-mail';

export interface SesMailerOptions {
  /** SES configuration set (event publishing: bounces, complaints, deliveries). */
  readonly configurationSetName?: string;
}

/** Options from the environment: the configuration set from `SES_CONFIGURATION_SET`. */
export function sesMailerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SesMailerOptions {
  return { configurationSetName: env[EnvNames.sesConfigurationSet] || undefined };
}

export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly options: SesMailerOptions = sesMailerOptionsFromEnv(),
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    assertValidMail(mail);
    const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
    const output = await this.client.send(
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
    );
    if (!output.MessageId) throw new Error('SES accepted the mail but returned no message id');
    return { messageId: output.MessageId };
  }
}

/**
 * - `services`: the local emulator at `localServices().sesEndpoint`, region us-east-1, dummy
 *   credentials (the emulator checks none).
 * - `aws`: the SDK defaults (the function's region and role).
 */
export function sesClientFromEnv(env: NodeJS.ProcessEnv = process.env): SESClient {
  const backend = currentBackend(env);
  if (backend === 'services') {
    return new SESClient({
      endpoint: localServices(env).sesEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }
  if (backend === 'aws') return new SESClient({});
  throw new Error(`no SES in the embedded backend; use EmbeddedMailer or set ${EnvNames.backend}=services`);
}

/** A mailer for the current backend, with the configuration set from `SES_CONFIGURATION_SET`. */
export function sesMailerFromEnv(env: NodeJS.ProcessEnv = process.env): SesMailer {
  return new SesMailer(sesClientFromEnv(env), sesMailerOptionsFromEnv(env));
}
