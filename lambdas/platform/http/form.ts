/**
 * HTML forms' bodies (`application/x-www-form-urlencoded`): the same encoding as a query string,
 * so the one query parser reads them (`+` a space, percent escapes UTF-8, at most
 * MAX_QUERY_PAIRS pairs, names without a prototype), with the same refusals of NUL and lone
 * surrogates. What the fields mean is the page's business (its zod schema).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { bounded, HttpProblem, Problems } from './problem';
import { MalformedQueryString, parseQueryString, type QueryParameters } from './query';
import { refuseIllFormedText } from './request';

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** The form's fields as `{name: [values...]}`; 415 for another media type, 400 for a malformed body. */
export function parseFormBody(event: Pick<APIGatewayProxyEventV2, 'headers'>, rawBody: string): QueryParameters {
  const contentType = event.headers?.['content-type'] ?? '';
  if ((contentType.split(';')[0] ?? '').trim().toLowerCase() !== FORM_MEDIA_TYPE) {
    throw new HttpProblem(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `expected ${FORM_MEDIA_TYPE}, got ${bounded(contentType || 'none', 100)}`,
    );
  }
  let fields: QueryParameters;
  try {
    fields = parseQueryString(rawBody);
  } catch (error) {
    if (!(error instanceof MalformedQueryString)) throw error;
    const path = error.parameter ? `body.${bounded(error.parameter, 60)}` : 'body';
    throw Problems.validation(`1 problem(s) in the body: ${path}`, [{ path, message: error.message }]);
  }
  refuseIllFormedText(fields, 'body');
  return fields;
}

/**
 * One value per field (a repeated field is refused, a missing one is absent): what a form of
 * text inputs, selects and textareas sends.
 */
export function singleFormValues(fields: QueryParameters): Record<string, string> {
  const values: Record<string, string> = Object.create(null);
  for (const [name, list] of Object.entries(fields)) {
    if (list.length !== 1) {
      const path = `body.${bounded(name, 60)}`;
      throw Problems.validation(`1 problem(s) in the body: ${path}`, [{ path, message: 'must be given once' }]);
    }
    values[name] = list[0] as string;
  }
  return values;
}
