import { httpRoute, json } from '../../platform/http/http-route';
import { searchPeople } from '../domain/people';
import { searchPeopleRoute } from '../routes';
import { peoplePorts } from '../wiring';
import { READ_FROM_HEADER } from './people-read';

/** GET /v1/people?q=&limit=&cursor= → 200 `{items, next?}` with `x-eventline-read-from: search | sql`. */
export const handler = httpRoute(searchPeopleRoute, async ({ query }) => {
  const { items, next, from } = await searchPeople(peoplePorts(), query);
  const response = json(200, { items, ...(next !== undefined && { next }) });
  return { ...response, headers: { ...response.headers, [READ_FROM_HEADER]: from } };
});
