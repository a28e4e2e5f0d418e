import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * The checks every synth of Eventline runs (bin/eventline.ts and test/infra use this one function):
 * - cdk-nag's AwsSolutions pack. cdk-nag v3 is a CDK validation plugin (it replaced v2's Aspect),
 *   so it runs on the synthesized templates; acknowledgments live in lib/nag-suppressions.ts.
 * - The CDK's built-in CloudFormation template validation (resource schemas and lint rules) runs
 *   on its own; cdk.json turns its findings into errors (`@aws-cdk/core:validateAgainstDefaultRules`)
 *   and makes every validation warning fail the synth too (`@aws-cdk/core:strictCfnValidateErrors`).
 */
export function addSynthValidations(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
