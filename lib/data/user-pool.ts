import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { PASSWORD_POLICY } from '../../lambdas/platform/identity/identity-input';
import type { StageConfig } from '../config/stages';

export interface UserPoolProps {
  readonly config: StageConfig;
}

/** The Cognito group whose members may write happenings and act for any account. */
export const ADMIN_GROUP = 'admin';

/**
 * People's accounts: an Amazon Cognito user pool (username sign-in, required email, a strong
 * password policy), one app client without a secret (USER_PASSWORD_AUTH and refresh tokens:
 * Eventline's own `/v1/sessions` routes sign users in, so clients need only Eventline's API) and
 * the `admin` group. API Gateway's JWT authorizer checks the client's access tokens; roles come
 * from the `cognito:groups` claim. In prod the pool is on the Plus plan with threat protection
 * enforced (compromised-credential and adaptive-risk checks); dev stays on Essentials (see the
 * acknowledged COG8 finding).
 */
export class UserPool extends Construct {
  readonly pool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly adminGroup: cognito.CfnUserPoolGroup;

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id);
    const { config } = props;
    const plus = config.accounts.featurePlan === 'plus';
    this.pool = new cognito.UserPool(this, 'Pool', {
      userPoolName: `${config.prefix}-users`,
      selfSignUpEnabled: true,
      signInAliases: { username: true },
      signInCaseSensitive: true,
      standardAttributes: { email: { required: true, mutable: true } },
      // The one policy the identity adapters also check (cognito-local checks none).
      passwordPolicy: {
        minLength: PASSWORD_POLICY.minimumLength,
        requireLowercase: PASSWORD_POLICY.requireLowercase,
        requireUppercase: PASSWORD_POLICY.requireUppercase,
        requireDigits: PASSWORD_POLICY.requireDigits,
        requireSymbols: PASSWORD_POLICY.requireSymbols,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Sign-up verifies the email address by code in prod; dev confirms sign-ups itself (the
      // accounts function calls AdminConfirmSignUp when COGNITO_AUTO_CONFIRM is set).
      autoVerify: { email: true },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: plus ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(plus ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: config.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: config.removalPolicy,
    });
    this.client = this.pool.addClient('ApiClient', {
      userPoolClientName: `${config.prefix}-api`,
      generateSecret: false,
      authFlows: { userPassword: true },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // Unknown user and wrong password give the same answer.
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    this.adminGroup = new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.pool.userPoolId,
      groupName: ADMIN_GROUP,
      description: 'Eventline administrators: write happenings, act for any account',
    });
  }
}
