import { Stack } from 'aws-cdk-lib';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

export interface MailProps {
  readonly config: StageConfig;
  /** Sender address (MAIL_FROM). */
  readonly fromAddress: string;
  /** When given, the SES identity is this domain (Easy DKIM); otherwise the sender address itself. */
  readonly domain?: string;
}

/**
 * SES sending setup: one identity (the sender address, or a domain with DKIM) and one
 * configuration set (TLS required, reputation metrics, account-level suppression of bounces and
 * complaints). The mailer sends with the configuration set, so IAM scopes `ses:SendEmail` to both
 * ARNs. A new account is in the SES sandbox: verify recipients or request production access.
 */
export class Mail extends Construct {
  readonly identity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  readonly fromAddress: string;
  /** Static names, so functions in other stacks reference them without a cross-stack output. */
  readonly configurationSetName: string;
  readonly configurationSetArn: string;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.fromAddress = props.fromAddress;
    const configurationSetName = `${props.config.prefix}-mail`;
    this.configurationSetName = configurationSetName;
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: props.domain ? ses.Identity.domain(props.domain) : ses.Identity.email(props.fromAddress),
      configurationSet: this.configurationSet,
    });
    this.configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: configurationSetName,
    });
  }
}
