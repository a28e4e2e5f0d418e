import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The signed-in user of a user-pool route, from the JWT authorizer's claims. */
export interface Principal {
  readonly username: string;
  /** The user pool's stable id of the user (`sub`). */
  readonly sub: string;
  readonly groups: readonly string[];
}

/**
 * API Gateway's JWT authorizer hands the integration every claim as a string: arrays in
 * brackets, space-separated (`"[admin editors]"`), numbers as digits. Cognito access tokens name
 * the user in `username` (`cognito:username` in ID tokens) and the groups in `cognito:groups`.
 */
export function principalOf(event: APIGatewayProxyEventV2): Principal | undefined {
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer?.jwt
    ?.claims;
  return claims ? principalOfClaims(claims) : undefined;
}

/** The user a pool access token's claims name (as verified JSON, or as API Gateway's strings). */
export function principalOfClaims(claims: Readonly<Record<string, unknown>>): Principal | undefined {
  const username = claims.username ?? claims['cognito:username'];
  const sub = claims.sub;
  if (typeof username !== 'string' || username === '' || typeof sub !== 'string') return undefined;
  return { username, sub, groups: groupsOf(claims['cognito:groups']) };
}

function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === 'string');
  if (typeof claim !== 'string' || claim === '') return [];
  const inner = claim.startsWith('[') && claim.endsWith(']') ? claim.slice(1, -1) : claim;
  return inner.split(/[\s,]+/).filter((group) => group !== '');
}
