/**
 * The app-key Lambda authorizer in the synthesized API: every route the manifest puts behind an
 * authorizer gets the HTTP API Lambda authorizer (REQUEST, payload 2.0, simple responses, cached
 * per identity source for the manifest's TTL), and only the public Allezon routes keep the
 * cdk-nag APIG4 acknowledgement.
 */
import { Validations } from 'aws-cdk-lib';
import { manifest } from '../../lambdas/manifest';
import { routesOf } from '../../lambdas/platform/manifest-types';
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
      expect(route?.AuthorizationType).toBe('CUSTOM');
      const [authorizerId] =
        resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer').find(([, p]) => p.Name === authorizerName) ?? [];
      expect(referenceText(route?.AuthorizerId)).toBe(JSON.stringify({ Ref: authorizerId }));
    },
  );

  it('acknowledges cdk-nag APIG4 (no authorization) only on the public Allezon routes', () => {
    const acknowledgedApig4 = (construct: { node: { defaultChild?: unknown; metadata: { type: string; data: unknown }[] } }) =>
      [construct.node, (construct.node.defaultChild as { node: typeof construct.node } | undefined)?.node]
        .flatMap((node) => node?.metadata ?? [])
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .some((entry) => JSON.stringify(entry.data).includes('AwsSolutions-APIG4'));
    for (const { fn, spec, route } of app.stacks.api.routes) {
      const publicAllezonRoute = fn.capability === 'tracking' && !spec.authorizer;
      expect([routeKeyOf(spec), acknowledgedApig4(route)]).toEqual([routeKeyOf(spec), publicAllezonRoute]);
    }
  });
});
