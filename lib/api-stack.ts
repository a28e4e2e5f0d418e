import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  type FunctionSpec,
  type HttpRouteSpec,
  type Manifest,
  routesOf,
  USER_POOL_AUTHORIZER,
} from '../lambdas/platform/manifest-types';
import type { StageConfig } from './config/stages';
import { constructIdOf } from './functions-stack';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly manifest: Manifest;
  /** The manifest's functions by name (functions stack). */
  readonly functionOf: (name: string) => lambda.IFunction;
  /** The user pool whose access tokens open routes behind `USER_POOL_AUTHORIZER`. */
  readonly userPool: { readonly pool: cognito.IUserPool; readonly client: cognito.IUserPoolClient };
}

/** Every request on one JSON line (the fields API Gateway documents for HTTP API access logs). */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    httpMethod: '$context.httpMethod',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    userAgent: '$context.identity.userAgent',
  }),
);

/**
 * The public HTTPS API: an API Gateway HTTP API whose routes are the manifest's routes, each a
 * Lambda proxy integration (payload format 2.0, the shape the local runtime also produces),
 * behind the route's Lambda authorizer when the manifest names one. The
 * `$default` stage throttles with the stage config and writes JSON access logs to CloudWatch.
 */
export class ApiStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** Every route with the manifest function and route spec behind it. */
  readonly routes: { readonly fn: FunctionSpec; readonly spec: HttpRouteSpec; readonly route: apigw.HttpRoute }[] = [];

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.api = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `${config.prefix}-api`,
      description: 'Eventline public API (routes generated from lambdas/manifest.ts)',
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logs.retention,
      removalPolicy: config.removalPolicy,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.rateLimit, burstLimit: config.api.burstLimit },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs), format: accessLogFormat },
      detailedMetricsEnabled: true,
    });

    // One integration per function, shared by all its routes; one authorizer per authorizer function.
    const integrations = new Map<string, HttpLambdaIntegration>();
    const authorizers = new Map<string, HttpLambdaAuthorizer>();
    const authorizerFor = (name: string): HttpLambdaAuthorizer => {
      let authorizer = authorizers.get(name);
      if (!authorizer) {
        const spec = props.manifest.functions.find((f) => f.name === name)?.authorizer;
        if (!spec) throw new Error(`${name} is not an authorizer function in the manifest`);
        // REQUEST authorizer, payload 2.0, simple responses ({isAuthorized, context}), cached by
        // API Gateway per identity-source values; the local runtime does the same.
        authorizer = new HttpLambdaAuthorizer(`${constructIdOf(name)}Authorizer`, props.functionOf(name), {
          authorizerName: name,
          responseTypes: [HttpLambdaResponseType.SIMPLE],
          identitySource: [...spec.identitySource],
          resultsCacheTtl: Duration.seconds(spec.resultTtlSeconds),
        });
        authorizers.set(name, authorizer);
      }
      return authorizer;
    };
    // API Gateway's native JWT authorizer for the user pool: a valid, unexpired access token of
    // the app client (issuer, audience, signature by the pool's JWKS); no function runs for it.
    const userPoolAuthorizer = new HttpUserPoolAuthorizer('UserPoolAuthorizer', props.userPool.pool, {
      authorizerName: USER_POOL_AUTHORIZER,
      userPoolClients: [props.userPool.client],
      identitySource: ['$request.header.Authorization'],
    });
    for (const { fn, route } of routesOf(props.manifest)) {
      let integration = integrations.get(fn.name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${constructIdOf(fn.name)}Integration`, props.functionOf(fn.name));
        integrations.set(fn.name, integration);
      }
      const authorizer =
        route.authorizer === USER_POOL_AUTHORIZER
          ? userPoolAuthorizer
          : route.authorizer
            ? authorizerFor(route.authorizer)
            : undefined;
      for (const created of this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
        ...(authorizer ? { authorizer } : {}),
      })) {
        this.routes.push({ fn, spec: route, route: created });
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Eventline API base URL' });
  }
}
