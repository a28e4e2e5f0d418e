import type { FunctionSpec, HttpRouteSpec } from '../../lambdas/platform/manifest-types';

/**
 * API Gateway HTTP API route selection, for the route syntax the manifest uses:
 * literal segments, `{name}` (exactly one non-empty segment) and a trailing `{name+}`
 * (greedy: one or more segments). When several routes match, API Gateway picks the most
 * specific one: segment by segment, a literal beats a `{param}`, which beats a greedy `{proxy+}`.
 * A path that matches no route (including the right path with another method) gets API Gateway's
 * own 404 — HTTP APIs never answer 405.
 */

type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

export interface CompiledRoute {
  readonly fn: FunctionSpec;
  readonly route: HttpRouteSpec;
  /** `POST /user_profiles/{cookie}`: what the event's `routeKey` carries. */
  readonly routeKey: string;
  readonly segments: readonly Segment[];
}

export interface RouteMatch {
  readonly compiled: CompiledRoute;
  /** URL-decoded values, as API Gateway puts them in `pathParameters`. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

const SPECIFICITY: Record<Segment['kind'], number> = { literal: 3, param: 2, greedy: 1 };

export function compileRoute(fn: FunctionSpec, route: HttpRouteSpec): CompiledRoute {
  if (!route.path.startsWith('/')) throw new Error(`route ${route.method} ${route.path} must start with /`);
  const parts = route.path === '/' ? [] : route.path.slice(1).split('/');
  const segments = parts.map((part, index): Segment => {
    const variable = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(part);
    if (!variable) {
      if (part.includes('{') || part.includes('}')) {
        throw new Error(`route ${route.path}: a path variable must be a whole segment ("${part}")`);
      }
      return { kind: 'literal', value: part };
    }
    if (variable[2] === '+') {
      if (index !== parts.length - 1) throw new Error(`route ${route.path}: a greedy variable must be the last segment`);
      return { kind: 'greedy', name: variable[1] };
    }
    return { kind: 'param', name: variable[1] };
  });
  return { fn, route, routeKey: `${route.method} ${route.path}`, segments };
}

/** Splits a decoded request path into segments ("/" has none). */
export function pathSegments(decodedPath: string): string[] {
  if (decodedPath === '/' || decodedPath === '') return [];
  return decodedPath.replace(/^\//, '').split('/');
}

function matchSegments(route: CompiledRoute, segments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i];
    if (segment.kind === 'greedy') {
      const rest = segments.slice(i);
      if (rest.length === 0 || rest.every((s) => s === '')) return undefined;
      params[segment.name] = rest.join('/');
      return params;
    }
    const value = segments[i];
    if (value === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (segment.value !== value) return undefined;
    } else {
      if (value === '') return undefined;
      params[segment.name] = value;
    }
  }
  return segments.length === route.segments.length ? params : undefined;
}

/** Negative when `a` is more specific than `b`. */
function compareSpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const sa = a.segments[i] ? SPECIFICITY[a.segments[i].kind] : 0;
    const sb = b.segments[i] ? SPECIFICITY[b.segments[i].kind] : 0;
    if (sa !== sb) return sb - sa;
  }
  return 0;
}

export class RouteTable {
  private readonly routes: CompiledRoute[];

  constructor(entries: readonly { fn: FunctionSpec; route: HttpRouteSpec }[]) {
    this.routes = entries.map(({ fn, route }) => compileRoute(fn, route)).sort(compareSpecificity);
  }

  get all(): readonly CompiledRoute[] {
    return this.routes;
  }

  /** `decodedSegments` are the percent-decoded request path segments. */
  match(method: string, decodedSegments: readonly string[]): RouteMatch | undefined {
    for (const compiled of this.routes) {
      if (compiled.route.method !== method) continue;
      const pathParameters = matchSegments(compiled, decodedSegments);
      if (pathParameters) return { compiled, pathParameters };
    }
    return undefined;
  }
}
