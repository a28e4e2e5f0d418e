#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth|deploy --all -c stage=dev|prod`. Everything is generated from
 * lambdas/manifest.ts; sizes per stage live in lib/config/stages.ts. Two validations run at synth:
 * cdk-nag's AwsSolutions pack (acknowledged findings, each with its reason, are in
 * lib/nag-suppressions.ts) and the CDK's built-in CloudFormation template validation (resource
 * schemas and lint rules). cdk.json makes both fail the synth on errors and on warnings
 * (`@aws-cdk/core:validateAgainstDefaultRules`, `@aws-cdk/core:strictCfnValidateErrors`).
 *
 * Optional context: `mailFrom` (sender address), `mailDomain` (SES domain identity instead of the
 * sender address), `alarmEmail` (subscribed to the alarm topic), `createSearchServiceLinkedRole`
 * (`true` on the first deploy into an account without OpenSearch's service-linked role).
 */
import { App } from 'aws-cdk-lib';
import { manifest } from '../lambdas/manifest';
import { isStageName, stageNames } from '../lib/config/stages';
import { buildEventline } from '../lib/eventline-app';
import { addSynthValidations } from '../lib/validation';

const app = new App();

const stage = app.node.tryGetContext('stage') ?? 'dev';
if (!isStageName(stage)) {
  throw new Error(`context "stage" must be one of ${stageNames.join(', ')} (got "${String(stage)}"): cdk synth -c stage=dev`);
}
const optionalContext = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

buildEventline(app, {
  stage,
  manifest,
  // Resolved by the CLI from the current credentials; without credentials the synth is
  // environment-agnostic (2 AZs, no lookups), which is what CI does.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  mailFrom: optionalContext('mailFrom'),
  mailDomain: optionalContext('mailDomain'),
  alarmEmail: optionalContext('alarmEmail'),
  ...(optionalContext('createSearchServiceLinkedRole') === undefined
    ? {}
    : { createSearchServiceLinkedRole: optionalContext('createSearchServiceLinkedRole') === 'true' }),
});

// cdk-nag AwsSolutions (a validation plugin in cdk-nag v3, which replaced the Aspect API) and the
// CDK's CloudFormation template validation: any unacknowledged finding fails the synth.
addSynthValidations(app);

// Marks every stack `validateOnSynth` in the cloud assembly, so the CLI checks the error
// annotations of every stack even when `cdk synth`/`deploy` selects only some of them.
app.synth({ validateOnSynthesis: true });
