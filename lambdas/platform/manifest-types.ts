/**
 * The shape of Eventline's one manifest. Both the CDK app (lib/) and the local runtime
 * (scripts/local-runtime/) read a value of this type, so what runs on a laptop and what
 * `cdk deploy` creates cannot drift apart. Plain data only: no CDK or AWS imports here.
 */

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

/** An API Gateway HTTP API route, in API Gateway path syntax (`/user_profiles/{cookie}`). */
export interface HttpRouteSpec {
  readonly method: HttpMethod;
  readonly path: string;
  /** Name of the manifest function (one with `authorizer` set) that authorizes this route. */
  readonly authorizer?: string;
}

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
export type PlatformResource = 'bus' | 'sql' | 'search' | 'cache' | 'mail';

export interface FunctionSpec {
  /** Unique, kebab-case; becomes the construct id and the function name suffix. */
  readonly name: string;
  readonly capability: Capability | 'platform';
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

export interface Manifest {
  readonly topics: readonly TopicSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly dashboards?: readonly DashboardSectionSpec[];
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
      if (r.authorizer && !manifest.functions.some((f) => f.name === r.authorizer && f.authorizer)) {
        problems.push(`route ${key} names ${r.authorizer}, which is not an authorizer function`);
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
        if (metric.kind === 'deadLetterQueue' && !groups.has(metric.consumerGroup)) {
          problems.push(`dashboard widget "${widget.title}" names unknown consumer group ${metric.consumerGroup}`);
        }
      }
    }
  }
  if (problems.length > 0) throw new Error(`invalid manifest: ${problems.join('; ')}`);
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
