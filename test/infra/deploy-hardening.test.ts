/**
 * Issue 9's deploy defects, asserted on the synthesized templates (docs/ARCHITECTURE.md,
 * "Deploy hardening (issue 9)"): what a reviewer found that passes cfn-lint but bites in an account.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { manifest } from '../../lambdas/manifest';
import { resourcesOf, type SynthesizedEventline, synthEventline } from './support/synth';

let dev: SynthesizedEventline;

beforeAll(() => {
  dev = synthEventline('dev', manifest);
});
afterAll(() => {
  dev?.dispose();
});

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
