import { mailRequestsTopic } from '../mail/contract';
import type { CapabilityManifest, FunctionSpec } from '../platform/manifest-types';
import {
  addEmailRoute,
  changeEmailRoute,
  deleteMeRoute,
  getMeRoute,
  refreshRoute,
  removeEmailRoute,
  revokeRoute,
  signInRoute,
  signUpRoute,
} from './routes';
import { accountEventsTopic } from './topics';

const capability = 'accounts';

/** Each function once, by name. */
export const accountsFunctions = {
  signUp: {
    name: 'accounts-sign-up',
    capability,
    description: 'POST /v1/accounts: signs a user up in the user pool, asks for the welcome mail, publishes the addresses.',
    entry: 'lambdas/accounts/handlers/sign-up.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [signUpRoute],
    uses: ['identity', 'sql', 'bus'],
    produces: [mailRequestsTopic.name, accountEventsTopic.name],
  },
  sessions: {
    name: 'accounts-sessions',
    capability,
    description:
      'POST /v1/sessions, /v1/sessions/refresh and /v1/sessions/revoke: tokens from the user pool (and sign-out), failed sign-ins slowed per username and address.',
    entry: 'lambdas/accounts/handlers/sessions.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [signInRoute, refreshRoute, revokeRoute],
    uses: ['identity', 'cache'],
  },
  myAccount: {
    name: 'accounts-my-account',
    capability,
    description: "GET, PATCH, DELETE /v1/accounts/me and its secondary addresses: the signed-in user's own account.",
    entry: 'lambdas/accounts/handlers/my-account.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [getMeRoute, changeEmailRoute, addEmailRoute, removeEmailRoute, deleteMeRoute],
    uses: ['identity', 'sql', 'bus'],
    produces: [accountEventsTopic.name],
  },
} satisfies Record<string, FunctionSpec>;

const answers = (route: { operation: string }, statusClass: '2xx' | '4xx' | '5xx') => `${route.operation}${statusClass}`;

/** People's accounts: thin routes over the Cognito user pool, secondary addresses, account events. */
export const accountsManifest: CapabilityManifest = {
  capability,
  topics: [accountEventsTopic],
  functions: Object.values(accountsFunctions),
  sqlMigrations: 'lambdas/accounts/migrations',
  dashboard: {
    title: 'Accounts',
    widgets: [
      {
        title: 'Sign-ups and sign-ins (per minute)',
        metrics: [
          { kind: 'custom', metricName: answers(signUpRoute, '2xx'), label: 'sign-ups' },
          { kind: 'custom', metricName: answers(signInRoute, '2xx'), label: 'sign-ins' },
          { kind: 'custom', metricName: answers(signInRoute, '4xx'), label: 'refused sign-ins (401, 429)' },
          { kind: 'custom', metricName: answers(deleteMeRoute, '2xx'), label: 'accounts deleted' },
        ],
      },
      {
        title: 'Accounts latency p99 (ms)',
        metrics: [
          {
            kind: 'function',
            function: accountsFunctions.sessions.name,
            metricName: 'Duration',
            statistic: 'p99',
            label: 'sessions',
          },
          {
            kind: 'function',
            function: accountsFunctions.myAccount.name,
            metricName: 'Duration',
            statistic: 'p99',
            label: 'my account',
          },
        ],
      },
    ],
  },
};
