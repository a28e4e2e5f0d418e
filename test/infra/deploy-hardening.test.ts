/**
 * Issue 9's deploy defects, asserted on the synthesized templates (docs/ARCHITECTURE.md,
 * "Deploy hardening (issue 9)"): what a reviewer found that passes cfn-lint but bites in an account.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { manifest } from '../../lambdas/manifest';
import { stageConfig } from '../../lib/config/stages';
import { resourcesOf, type SynthesizedEventline, synthEventline } from './support/synth';

let dev: SynthesizedEventline;
let prod: SynthesizedEventline;

beforeAll(() => {
  dev = synthEventline('dev', manifest);
  prod = synthEventline('prod', manifest);
});
afterAll(() => {
  dev?.dispose();
  prod?.dispose();
});

/** `[DeletionPolicy, UpdateReplacePolicy]` of every resource of a type. */
function policiesOf(template: Template, type: string): [unknown, unknown][] {
  return Object.values(template.findResources(type)).map((r) => [
    (r as { DeletionPolicy?: unknown }).DeletionPolicy,
    (r as { UpdateReplacePolicy?: unknown }).UpdateReplacePolicy,
  ]);
}

describe('MySQL 8.4 behind RDS Proxy', () => {
  it('runs an 8.4 engine with an 8.4 parameter group', () => {
    const data = dev.template(dev.stacks.data);
    data.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      EngineVersion: Match.stringLikeRegexp('^8\\.4\\.\\d+$'),
      DBParameterGroupName: Match.anyValue(),
    });
    const groups = resourcesOf(data, 'AWS::RDS::DBParameterGroup');
    expect(groups.map(([, p]) => p.Family)).toEqual(['mysql8.4']);
  });

  it("authenticates clients at the proxy with caching_sha2_password, 8.4's default plugin, over TLS", () => {
    dev.template(dev.stacks.data).hasResourceProperties('AWS::RDS::DBProxy', {
      EngineFamily: 'MYSQL',
      RequireTLS: true,
      Auth: [Match.objectLike({ AuthScheme: 'SECRETS', ClientPasswordAuthType: 'MYSQL_CACHING_SHA2_PASSWORD' })],
    });
  });
});

describe('removal policies', () => {
  it('keeps the database credentials wherever the database is kept (prod)', () => {
    expect(stageConfig('prod').removalPolicy).toBe(RemovalPolicy.RETAIN);
    const data = prod.template(prod.stacks.data);
    expect(policiesOf(data, 'AWS::RDS::DBInstance')).toEqual([['Retain', 'Retain']]);
    // The one secret of the data stack is the generated admin secret.
    expect(policiesOf(data, 'AWS::SecretsManager::Secret')).toEqual([['Retain', 'Retain']]);
  });

  it('deletes both in a disposable stage (dev)', () => {
    const data = dev.template(dev.stacks.data);
    expect(policiesOf(data, 'AWS::RDS::DBInstance')).toEqual([['Delete', 'Delete']]);
    expect(policiesOf(data, 'AWS::SecretsManager::Secret')).toEqual([['Delete', 'Delete']]);
  });
});
