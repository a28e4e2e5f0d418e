/**
 * Authorization in the synthesized API: routes behind an app-key Lambda authorizer get the HTTP
 * API Lambda authorizer (REQUEST, payload 2.0, simple responses, cached per identity source for
 * the manifest's TTL); user-pool routes get API Gateway's JWT authorizer for the Cognito pool and
 * its app client; only routes whose contract says why they are public keep the cdk-nag APIG4
 * acknowledgement, with that reason.
 */
import { Validations } from 'aws-cdk-lib';
import { manifest } from '../../lambdas/manifest';
import { routesOf, USER_POOL_AUTHORIZER } from '../../lambdas/platform/manifest-types';
import { logicalIdOf, referenceText, resourcesOf, type SynthesizedEventline, synthEventline } from './support/synth';

let app: SynthesizedEventline;
beforeAll(() => {
  app = synthEventline('dev', manifest);
});
afterAll(() => app?.dispose());

const authorizerFunctions = manifest.functions.filter((fn) => fn.authorizer);
const routeKeyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

describe('Lambda authorizers', () => {
  it('the manifest has authorized routes to check', () => {
    expect(routesOf(manifest).filter(({ route }) => route.authorizer).length).toBeGreaterThanOrEqual(2);
    expect(authorizerFunctions.length).toBeGreaterThanOrEqual(1);
  });

  it.each(authorizerFunctions.map((fn) => [fn.name, fn]))(
    '%s is an HTTP API REQUEST authorizer with simple responses, cached per identity source',
    (name, fn) => {
      const template = app.template(app.stacks.api);
      const [, authorizer] = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer').find(([, p]) => p.Name === name) ?? [];
      expect(authorizer).toMatchObject({
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: [...(fn.authorizer?.identitySource ?? [])],
        AuthorizerResultTtlInSeconds: fn.authorizer?.resultTtlSeconds,
      });
      const { functions } = app.stacks;
      const functionId = logicalIdOf(functions, functions.function(name));
      expect(referenceText(authorizer?.AuthorizerUri)).toContain(functionId);

      // API Gateway may invoke the authorizer function, and only through this API's authorizers.
      const permissions = resourcesOf(template, 'AWS::Lambda::Permission').filter(([, p]) =>
        referenceText(p.FunctionName).includes(functionId),
      );
      expect(permissions).toHaveLength(1);
      expect(permissions[0][1]).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      expect(referenceText(permissions[0][1].SourceArn)).toContain('/authorizers/');
    },
  );

  it.each(routesOf(manifest).map(({ route }) => [routeKeyOf(route), route.authorizer ?? 'nothing (public)']))(
    'route %s is authorized by %s',
    (routeKey, authorizerLabel) => {
      const authorizerName = authorizerLabel === 'nothing (public)' ? undefined : authorizerLabel;
      const template = app.template(app.stacks.api);
      const [, route] = resourcesOf(template, 'AWS::ApiGatewayV2::Route').find(([, p]) => p.RouteKey === routeKey) ?? [];
      expect(route).toBeDefined();
      if (!authorizerName) {
        expect(route?.AuthorizationType ?? 'NONE').toBe('NONE');
        expect(route?.AuthorizerId).toBeUndefined();
        return;
      }
      expect(route?.AuthorizationType).toBe(authorizerName === USER_POOL_AUTHORIZER ? 'JWT' : 'CUSTOM');
      const [authorizerId] =
        resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer').find(([, p]) => p.Name === authorizerName) ?? [];
      expect(referenceText(route?.AuthorizerId)).toBe(JSON.stringify({ Ref: authorizerId }));
    },
  );

  it("puts user-pool routes behind API Gateway's JWT authorizer for the pool and its app client", () => {
    expect(routesOf(manifest).some(({ route }) => route.authorizer === USER_POOL_AUTHORIZER)).toBe(true);
    const template = app.template(app.stacks.api);
    const [, jwt] = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer').find(([, p]) => p.Name === USER_POOL_AUTHORIZER) ?? [];
    expect(jwt).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    const config = jwt?.JwtConfiguration as { Audience: unknown[]; Issuer: unknown };
    expect(config.Audience).toHaveLength(1);
    expect(referenceText(config.Audience[0])).toContain('UsersPoolApiClient');
    expect(referenceText(config.Issuer)).toContain('cognito-idp');
    expect(referenceText(config.Issuer)).toContain('UsersPool');
  });

  it('keeps a strong password policy, username sign-in and the admin group in the user pool', () => {
    const template = app.template(app.stacks.data);
    const [, pool] = resourcesOf(template, 'AWS::Cognito::UserPool')[0] ?? [];
    expect(pool).toMatchObject({
      Policies: {
        PasswordPolicy: {
          MinimumLength: 8,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      Schema: [expect.objectContaining({ Name: 'email', Required: true })],
    });
    expect(pool?.UsernameAttributes).toBeUndefined();
    const [, client] = resourcesOf(template, 'AWS::Cognito::UserPoolClient')[0] ?? [];
    expect(client).toMatchObject({ GenerateSecret: false, PreventUserExistenceErrors: 'ENABLED' });
    expect(client?.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']));
    expect(resourcesOf(template, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.GroupName)).toEqual(['admin']);
  });

  it('acknowledges cdk-nag APIG4 (no authorization) only on routes whose contract says why they are public', () => {
    const acknowledgedApig4 = (construct: { node: { defaultChild?: unknown; metadata: { type: string; data: unknown }[] } }) =>
      [construct.node, (construct.node.defaultChild as { node: typeof construct.node } | undefined)?.node]
        .flatMap((node) => node?.metadata ?? [])
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .some((entry) => JSON.stringify(entry.data).includes('AwsSolutions-APIG4'));
    for (const { spec, route } of app.stacks.api.routes) {
      const declaredPublic = !spec.authorizer && Boolean(spec.publicBecause);
      expect([routeKeyOf(spec), acknowledgedApig4(route)]).toEqual([routeKeyOf(spec), declaredPublic]);
    }
  });
});
