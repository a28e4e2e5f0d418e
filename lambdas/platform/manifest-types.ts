/**
 * The shape of Eventline's one manifest. Both the CDK app (lib/) and the local runtime
 * (scripts/local-runtime/) read a value of this type, so what runs on a laptop and what
 * `cdk deploy` creates cannot drift apart. Each capability declares its part (a
 * `CapabilityManifest` in `lambdas/<capability>/manifest.ts`); `composeManifest` joins them and
 * checks the whole. Plain data and zod schemas only: no CDK or AWS imports here.
 */
import type { ZodType } from 'zod';
import type { IndexDefinition } from './search/search-index';

export type Capability = 'tracking' | 'people' | 'happenings' | 'reminders' | 'mail' | 'accounts';

/** A Kafka topic, declared once: the CDK custom resource and `services:up` both create it. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Log retention; also bounds how far a lagging sink can catch up. */
  readonly retentionHours: number;
  readonly description: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One documented answer of a route (problem+json answers are added by the platform). */
export interface ResponseSpec {
  readonly description: string;
  /** The JSON body; none for e.g. 204. */
  readonly body?: ZodType;
}

/**
 * The name a route gives as `authorizer` to sit behind the user pool's JWT authorizer (API
 * Gateway's native one: a valid access token of the pool's app client); any other name is a
 * Lambda authorizer function of the manifest.
 */
export const USER_POOL_AUTHORIZER = 'user-pool';

/**
 * Who may call a route beyond what its authorizer checked, declared on the route and enforced by
 * the HTTP layer before the handler runs (403 problem otherwise, failing closed):
 * - `authorizerContextMatchesPath`: the value the Lambda authorizer put in its context under
 *   `contextKey` must equal the path parameter `pathParameter` (an app key opens only its app);
 * - `group`: the signed-in user (user-pool routes) is in `group` (e.g. admin-only writes);
 * - `ownerOrGroup`: the signed-in user's username is the path parameter `pathParameter`, or the
 *   user is in `group` (e.g. "that account or an admin").
 */
export type AccessRule =
  | {
      readonly kind: 'authorizerContextMatchesPath';
      readonly contextKey: string;
      readonly pathParameter: string;
      /** The 403 problem's detail. */
      readonly denied: string;
    }
  | { readonly kind: 'group'; readonly group: string; readonly denied: string }
  | { readonly kind: 'ownerOrGroup'; readonly pathParameter: string; readonly group: string; readonly denied: string };

/**
 * An API Gateway HTTP API route, in API Gateway path syntax (`/user_profiles/{cookie}`), with
 * its contract: the zod schemas of its input (validated before the handler runs) and its
 * answers. The same value serves the handler (`httpRoute`), the CDK app, the local runtime and
 * the OpenAPI document.
 */
export interface HttpRouteSpec<B = unknown, Q = unknown, P = unknown> {
  readonly method: HttpMethod;
  readonly path: string;
  /** Names the operation in logs, metrics (`<operation>2xx` ...) and the OpenAPI document. */
  readonly operation?: string;
  readonly summary?: string;
  /**
   * `USER_POOL_AUTHORIZER` (a signed-in user), or the name of the manifest function (one with
   * `authorizer` set) that authorizes this route.
   */
  readonly authorizer?: string;
  /**
   * Why the route needs no authorizer (e.g. sign-in itself, a public catalogue, a contract's
   * external scorer): required for every route without one, and shown as the acknowledgement of
   * cdk-nag's "route without authorization" finding.
   */
  readonly publicBecause?: string;
  readonly access?: AccessRule;
  /** The JSON body; without it the route takes no body (a sent one is ignored, within the limit). */
  readonly body?: ZodType<B>;
  /** Largest accepted body in bytes (default 64 KiB). */
  readonly maxBodyBytes?: number;
  /**
   * The query string, parsed once into `{name: [values...]}` (see platform/http/query.ts): the
   * schema should be a closed object of `single`/`repeated` parameters. Without it the route takes
   * no query parameters at all.
   */
  readonly query?: ZodType<Q>;
  /** The path parameters (every `{name}` of `path`). */
  readonly pathParameters?: ZodType<P>;
  /** The success answers by status code. */
  readonly responses?: Readonly<Record<number, ResponseSpec>>;
  /**
   * A web page or one of its assets rather than an API operation: it answers `contentType`
   * (default text/html) and its refusals are HTML pages, not problem+json. `form` names the
   * fields of an `application/x-www-form-urlencoded` body (read with platform/http/form.ts;
   * documented in OpenAPI), since a page validates its form itself to show errors beside fields.
   */
  readonly page?: { readonly contentType?: string; readonly form?: ZodType };
}

/**
 * A route with its whole contract, as a capability declares it and `httpRoute` takes it (the
 * local runtime's own tests may mount bare routes; `composeManifest` insists on contracts).
 */
export type RouteContract<B = unknown, Q = unknown, P = unknown> = HttpRouteSpec<B, Q, P> & {
  readonly operation: string;
  readonly summary: string;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
};

/**
 * Marks a function as an API Gateway Lambda authorizer (HTTP API, payload 2.0, simple
 * responses). API Gateway caches its answer per identity for `resultTtlSeconds`; the local
 * runtime does the same.
 */
export interface AuthorizerSpec {
  /** E.g. `$request.header.x-api-key`, `$context.routeKey`; all must be present to invoke it. */
  readonly identitySource: readonly string[];
  readonly resultTtlSeconds: number;
}

/**
 * A Kafka subscription: in AWS an MSK event-source mapping, locally a consumer that feeds the
 * handler `aws:kafka` batch events. One consumer group per sink keeps sinks isolated.
 */
export interface KafkaSubscriptionSpec {
  readonly topic: string;
  readonly consumerGroup: string;
  /** Most records in one invocation. */
  readonly batchSize: number;
  /** How long the poller may wait to fill a batch. */
  readonly maxBatchingWindowSeconds: number;
  /** Retries of a failing batch before its records go to the dead-letter destination; -1 = without end. */
  readonly retryAttempts: number;
  /** Send records that exhaust their retries to the on-failure destination (and move on). */
  readonly deadLetter: boolean;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
}

/** An EventBridge Scheduler schedule; locally a timer that sends the same scheduled event. */
export interface ScheduleSpec {
  readonly name: string;
  /** `rate(5 minutes)` or `cron(...)`, as EventBridge Scheduler takes it. */
  readonly expression: string;
  readonly description: string;
}

/** The platform resources a function talks to; drives VPC placement, IAM grants and env. */
export type PlatformResource = 'bus' | 'sql' | 'search' | 'cache' | 'mail' | 'identity';

export interface FunctionSpec {
  /** Unique, kebab-case, starting with its capability; becomes the construct id and the function name suffix. */
  readonly name: string;
  readonly capability: Capability;
  readonly description: string;
  /** Handler file, relative to the repository root; the export is always `handler`. */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly routes?: readonly HttpRouteSpec[];
  readonly subscriptions?: readonly KafkaSubscriptionSpec[];
  readonly schedules?: readonly ScheduleSpec[];
  readonly authorizer?: AuthorizerSpec;
  /** Resources the handler uses. */
  readonly uses: readonly PlatformResource[];
  /** Topics the handler produces to (IAM is scoped to exactly these). */
  readonly produces?: readonly string[];
  /**
   * Custom metrics the handler emits itself. The wrappers' own metrics need no declaration
   * (`metricsEmittedBy`): routes count answers per status class, consumers count processed and
   * dead-lettered records, scheduled jobs count runs.
   */
  readonly metrics?: readonly string[];
}

/**
 * One line on a capability's dashboard widget:
 * - `custom`: a Powertools metric the handlers emit (namespace `Eventline`, dimension `service` =
 *   the capability); `perSecond` divides each minute's sum by 60;
 * - `function`: an AWS/Lambda metric of a manifest function (e.g. query latency p99);
 * - `offsetLag`: the consumer lag of a subscription's function;
 * - `deadLetterQueue`: the depth of a consumer group's on-failure queue.
 */
export type DashboardMetricSpec =
  | {
      readonly kind: 'custom';
      readonly metricName: string;
      readonly label: string;
      readonly statistic?: 'Sum' | 'Average' | 'Maximum';
      readonly perSecond?: boolean;
    }
  | {
      readonly kind: 'function';
      readonly function: string;
      readonly metricName: 'Duration' | 'Errors' | 'Invocations' | 'Throttles';
      readonly statistic: string;
      readonly label: string;
    }
  | { readonly kind: 'offsetLag'; readonly function: string; readonly label: string }
  | { readonly kind: 'deadLetterQueue'; readonly consumerGroup: string; readonly label: string };

export interface DashboardWidgetSpec {
  readonly title: string;
  readonly metrics: readonly DashboardMetricSpec[];
}

/** A capability's own row of widgets on the generated dashboard. */
export interface DashboardSectionSpec {
  readonly capability: Capability;
  readonly title: string;
  readonly widgets: readonly DashboardWidgetSpec[];
}

/** A folder of SQL migrations (repo-relative), recorded under its namespace (the capability). */
export interface MigrationFolder {
  readonly namespace: string;
  readonly directory: string;
}

/**
 * What one capability folder declares: its functions and their triggers, the topics it owns, its
 * dashboard section, its SQL migrations and its search indexes. `lambdas/manifest.ts` composes
 * these; nothing outside the folder spells them again.
 */
export interface CapabilityManifest {
  readonly capability: Capability;
  readonly topics?: readonly TopicSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly dashboard?: Omit<DashboardSectionSpec, 'capability'>;
  /** Repo-relative folder of the capability's migrations (`lambdas/<capability>/migrations`). */
  readonly sqlMigrations?: string;
  /** Indexes created on deploy and at local start (indexes created on demand are the capability's business). */
  readonly searchIndexes?: readonly IndexDefinition[];
}

/** The composed manifest, as the CDK app and the local runtime read it. */
export interface Manifest {
  /** The CloudWatch namespace of every custom metric (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricNamespace: string;
  readonly topics: readonly TopicSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly dashboards?: readonly DashboardSectionSpec[];
  /** In application order: capabilities in composition order. */
  readonly migrations: readonly MigrationFolder[];
  readonly searchIndexes: readonly IndexDefinition[];
}

/** The platform's own declarations that every composition includes (e.g. the dead-letter topic). */
export interface PlatformDeclarations {
  readonly metricNamespace: string;
  readonly topics: readonly TopicSpec[];
}

/**
 * Joins the platform's declarations and the capability manifests into the one manifest and
 * validates the whole (see `validateManifest`). The order of `capabilities` is the order of
 * their migrations.
 */
export function composeManifest(platform: PlatformDeclarations, capabilities: readonly CapabilityManifest[]): Manifest {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of capabilities) {
    if (seen.has(c.capability)) problems.push(`capability ${c.capability} composed twice`);
    seen.add(c.capability);
    for (const fn of c.functions) {
      for (const r of fn.routes ?? []) {
        if (!r.operation || !r.summary || !r.responses)
          problems.push(`route ${r.method} ${r.path} lacks its contract (operation, summary, responses)`);
        if (!r.authorizer && !r.publicBecause)
          problems.push(`route ${r.method} ${r.path} has no authorizer and no publicBecause`);
        if (r.authorizer && r.publicBecause) problems.push(`route ${r.method} ${r.path} has an authorizer and a publicBecause`);
        if (pathParametersOf(r.path).length > 0 && !r.pathParameters)
          problems.push(`route ${r.method} ${r.path} has path parameters but no pathParameters schema`);
      }
      if (fn.capability !== c.capability) problems.push(`${fn.name} is declared by ${c.capability} but says ${fn.capability}`);
      if (!fn.name.startsWith(`${c.capability}-`)) problems.push(`${fn.name} does not start with ${c.capability}-`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid manifest: ${problems.join('; ')}`);
  const manifest: Manifest = {
    metricNamespace: platform.metricNamespace,
    topics: [...platform.topics, ...capabilities.flatMap((c) => c.topics ?? [])],
    functions: capabilities.flatMap((c) => c.functions),
    dashboards: capabilities.flatMap((c) => (c.dashboard ? [{ capability: c.capability, ...c.dashboard }] : [])),
    migrations: capabilities.flatMap((c) => (c.sqlMigrations ? [{ namespace: c.capability, directory: c.sqlMigrations }] : [])),
    searchIndexes: capabilities.flatMap((c) => c.searchIndexes ?? []),
  };
  validateManifest(manifest);
  return manifest;
}

/** `tracking-apply-retention` → `applyRetention`: the operation name of a function's wrapper. */
export function operationOf(fn: Pick<FunctionSpec, 'name' | 'capability'>): string {
  const rest = fn.name.startsWith(`${fn.capability}-`) ? fn.name.slice(fn.capability.length + 1) : fn.name;
  return rest.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Every custom metric a function emits: what it declares plus what its wrappers emit. */
export function metricsEmittedBy(fn: FunctionSpec): string[] {
  const emitted = [...(fn.metrics ?? [])];
  for (const route of fn.routes ?? []) {
    if (route.operation) emitted.push(...['2xx', '4xx', '5xx'].map((c) => `${route.operation}${c}`));
  }
  if ((fn.subscriptions?.length ?? 0) > 0) emitted.push('RecordsProcessed', 'RecordsDeadLettered');
  if ((fn.schedules?.length ?? 0) > 0) emitted.push(`${operationOf(fn)}Runs`);
  return emitted;
}

/** Every HTTP route of the manifest with the function that serves it. */
export function routesOf(manifest: Manifest): { fn: FunctionSpec; route: HttpRouteSpec }[] {
  return manifest.functions.flatMap((fn) => (fn.routes ?? []).map((route) => ({ fn, route })));
}

/** Every Kafka subscription of the manifest with the function that consumes it. */
export function subscriptionsOf(manifest: Manifest): { fn: FunctionSpec; subscription: KafkaSubscriptionSpec }[] {
  return manifest.functions.flatMap((fn) => (fn.subscriptions ?? []).map((subscription) => ({ fn, subscription })));
}

/** Every schedule of the manifest with the function it invokes. */
export function schedulesOf(manifest: Manifest): { fn: FunctionSpec; schedule: ScheduleSpec }[] {
  return manifest.functions.flatMap((fn) => (fn.schedules ?? []).map((schedule) => ({ fn, schedule })));
}

/**
 * Checks the manifest's internal consistency: unique names, routes and consumer groups, and
 * every referenced topic declared. Both runtimes call it before building anything.
 */
export function validateManifest(manifest: Manifest): void {
  const problems: string[] = [];
  if (!/^[A-Za-z][A-Za-z0-9/_.-]{0,254}$/.test(manifest.metricNamespace))
    problems.push('metricNamespace is not a CloudWatch namespace');
  const emitted = new Set(manifest.functions.flatMap(metricsEmittedBy));
  const operations = new Set<string>();
  const indexNames = new Set<string>();
  for (const index of manifest.searchIndexes) {
    if (indexNames.has(index.name)) problems.push(`index ${index.name} declared twice`);
    indexNames.add(index.name);
  }
  const namespaces = new Set<string>();
  for (const m of manifest.migrations) {
    if (namespaces.has(m.namespace)) problems.push(`migrations of ${m.namespace} declared twice`);
    namespaces.add(m.namespace);
  }
  const topicNames = new Set(manifest.topics.map((t) => t.name));
  if (topicNames.size !== manifest.topics.length) problems.push('duplicate topic names');
  const names = new Set<string>();
  const routeKeys = new Set<string>();
  const groups = new Set<string>();
  for (const fn of manifest.functions) {
    if (!/^[a-z][a-z0-9-]{1,40}$/.test(fn.name)) problems.push(`function name ${fn.name} is not kebab-case`);
    if (names.has(fn.name)) problems.push(`duplicate function ${fn.name}`);
    names.add(fn.name);
    for (const r of fn.routes ?? []) {
      const key = `${r.method} ${r.path}`;
      if (routeKeys.has(key)) problems.push(`duplicate route ${key}`);
      routeKeys.add(key);
      if (r.operation && operations.has(r.operation)) problems.push(`operation ${r.operation} used twice`);
      if (r.operation) operations.add(r.operation);
      const parameters = pathParametersOf(r.path);
      if (r.access && 'pathParameter' in r.access && !parameters.includes(r.access.pathParameter)) {
        problems.push(`route ${key}: access names path parameter ${r.access.pathParameter}, which the path lacks`);
      }
      if (r.access && !r.authorizer) problems.push(`route ${key} has an access rule but no authorizer`);
      if (
        r.authorizer &&
        r.authorizer !== USER_POOL_AUTHORIZER &&
        !manifest.functions.some((f) => f.name === r.authorizer && f.authorizer)
      ) {
        problems.push(`route ${key} names ${r.authorizer}, which is not an authorizer function`);
      }
      if (r.access && r.access.kind !== 'authorizerContextMatchesPath' && r.authorizer !== USER_POOL_AUTHORIZER) {
        problems.push(`route ${key}: a ${r.access.kind} rule needs the ${USER_POOL_AUTHORIZER} authorizer`);
      }
    }
    if (fn.authorizer && ((fn.routes?.length ?? 0) > 0 || (fn.subscriptions?.length ?? 0) > 0)) {
      problems.push(`authorizer ${fn.name} cannot also serve routes or subscriptions`);
    }
    for (const s of fn.subscriptions ?? []) {
      if (!topicNames.has(s.topic)) problems.push(`${fn.name} subscribes to undeclared topic ${s.topic}`);
      if (groups.has(s.consumerGroup)) problems.push(`consumer group ${s.consumerGroup} used twice`);
      groups.add(s.consumerGroup);
      if (s.batchSize < 1 || s.batchSize > 10000) problems.push(`${fn.name}: batchSize out of range`);
      if (s.retryAttempts < -1 || s.retryAttempts > 10000) problems.push(`${fn.name}: retryAttempts must be -1 or 0..10000`);
      // Lambda silently caps endless retries at 10 when a destination is set: say it explicitly.
      if (s.retryAttempts < 0 && s.deadLetter) problems.push(`${fn.name}: endless retries cannot have a dead-letter destination`);
    }
    for (const t of fn.produces ?? []) {
      if (!topicNames.has(t)) problems.push(`${fn.name} produces to undeclared topic ${t}`);
    }
    if ((fn.produces?.length ?? 0) > 0 && !fn.uses.includes('bus')) problems.push(`${fn.name} produces but does not use bus`);
  }
  for (const section of manifest.dashboards ?? []) {
    for (const widget of section.widgets) {
      for (const metric of widget.metrics) {
        if ((metric.kind === 'function' || metric.kind === 'offsetLag') && !names.has(metric.function)) {
          problems.push(`dashboard widget "${widget.title}" names unknown function ${metric.function}`);
        }
        if (metric.kind === 'custom' && !emitted.has(metric.metricName)) {
          problems.push(`dashboard widget "${widget.title}" shows metric ${metric.metricName}, which no function emits`);
        }
        if (metric.kind === 'deadLetterQueue' && !groups.has(metric.consumerGroup)) {
          problems.push(`dashboard widget "${widget.title}" names unknown consumer group ${metric.consumerGroup}`);
        }
      }
    }
  }
  if (problems.length > 0) throw new Error(`invalid manifest: ${problems.join('; ')}`);
}

/** The `{name}` parameters of an API Gateway path, in order. */
export function pathParametersOf(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1] as string);
}

/**
 * The payload every schedule delivers. EventBridge Scheduler sends it as the target input
 * (with `<aws.scheduler.scheduled-time>` and `<aws.scheduler.execution-id>` filled in by the
 * service); the local runtime fills the same fields itself.
 */
export interface ScheduledInvocation {
  readonly source: 'eventline.scheduler';
  readonly schedule: string;
  readonly scheduledTime: string;
  readonly executionId: string;
}

export function scheduledInvocationTemplate(schedule: ScheduleSpec): Record<string, string> {
  return {
    source: 'eventline.scheduler',
    schedule: schedule.name,
    scheduledTime: '<aws.scheduler.scheduled-time>',
    executionId: '<aws.scheduler.execution-id>',
  };
}
