import type { FunctionSpec } from '../../platform/manifest-types';
import { peopleTopic } from '../topics';
import { webRoutes } from './routes';

/**
 * `people-web`: the people web pages behind the same HTTP API as the JSON routes. Its `uses`:
 * identity (sessions: the pool's keys to verify tokens, refresh), cache (the sign-in limiter of
 * accounts, and the people read path), search and sql (the read path and search), bus (saving a
 * profile produces to the people topic, as PUT /v1/people/{username} does).
 */
export const peopleWebFunction = {
  name: 'people-web',
  capability: 'people',
  description:
    'The people web pages (server-rendered HTML): sign in and out, find people (results as you type), a profile, the profile form; sessions in HttpOnly cookies.',
  entry: 'lambdas/people/web/handler.ts',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: webRoutes,
  uses: ['identity', 'cache', 'search', 'sql', 'bus'],
  produces: [peopleTopic.name],
  metrics: [
    'PeopleCacheWriteFailures',
    'PeopleReadsDegraded',
    'PeopleReadFromCache',
    'PeopleReadFromSearch',
    'PeopleReadFromSql',
  ],
} satisfies FunctionSpec;
