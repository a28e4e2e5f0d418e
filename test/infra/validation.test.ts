/**
 * Synth-time validation: the whole app (dev and prod) passes cdk-nag AwsSolutions and the CDK's
 * CloudFormation template validation with nothing unacknowledged, and the same setup really does
 * fail a synth on a nag error, a nag warning and a CloudFormation schema error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { manifest } from '../../lambdas/manifest';
import { stageNames } from '../../lib/config/stages';
import { addSynthValidations } from '../../lib/validation';
import { cdkJsonContext, synthEventline } from './support/synth';

/** Violations left in the synth's validation report (acknowledged findings are not listed). */
function unacknowledgedViolations(outdir: string): string[] {
  const reportFile = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(reportFile)) return [];
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as {
    pluginReports: { pluginName: string; violations?: { ruleName: string; severity?: string }[] }[];
  };
  return report.pluginReports.flatMap((r) => (r.violations ?? []).map((v) => `${r.pluginName} ${v.severity} ${v.ruleName}`));
}

describe.each(stageNames.map((stage) => [stage]))('the %s app', (stage) => {
  it('synthesizes with zero unacknowledged cdk-nag or CloudFormation findings', () => {
    // synthEventline throws (with the report) when any validation fails.
    const synthesized = synthEventline(stage, manifest);
    try {
      expect(unacknowledgedViolations(synthesized.outdir)).toEqual([]);
    } finally {
      synthesized.dispose();
    }
  });
});

describe('the synth gate', () => {
  it('is configured to fail on CloudFormation findings and on warnings', () => {
    expect(cdkJsonContext()).toMatchObject({
      '@aws-cdk/core:validateAgainstDefaultRules': true,
      '@aws-cdk/core:strictCfnValidateErrors': true,
    });
  });

  /** Synthesizes one small stack with the app's validations; returns the rules that failed it. */
  function failedRules(build: (stack: Stack) => void): string[] {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-gate-'));
    const app = new App({ outdir, context: cdkJsonContext() });
    build(new Stack(app, 'Broken'));
    addSynthValidations(app);
    // The CDK prints the report on stderr before throwing; keep the test output readable.
    const stderr = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(() => app.synth()).toThrow();
      return unacknowledgedViolations(outdir);
    } finally {
      stderr.mockRestore();
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('fails on a cdk-nag error (an unencrypted queue)', () => {
    const rules = failedRules((stack) => {
      const queue = new sqs.Queue(stack, 'Queue', { enforceSSL: true });
      (queue.node.defaultChild as sqs.CfnQueue).sqsManagedSseEnabled = false;
    });
    expect(rules).toContain('AwsSolutions error AwsSolutions-SQS2');
  });

  it('fails on a cdk-nag warning (a network ACL)', () => {
    const rules = failedRules((stack) => {
      new ec2.CfnNetworkAcl(stack, 'Acl', { vpcId: 'vpc-12345678' });
    });
    expect(rules.some((r) => r.includes('warning AwsSolutions-VPC3'))).toBe(true);
  });

  it('fails on a CloudFormation schema error (an engine version RDS does not have)', () => {
    const rules = failedRules((stack) => {
      new rds.CfnDBInstance(stack, 'Db', {
        engine: 'mysql',
        engineVersion: '8.0',
        dbInstanceClass: 'db.t4g.small',
        allocatedStorage: '20',
        storageEncrypted: true,
      });
    });
    expect(rules.some((r) => r.startsWith('CloudFormation Validate') && r.endsWith('E9006'))).toBe(true);
  });
});
