/**
 * The OpenAPI 3.1 document of the whole API, generated from the manifest's routes and their zod
 * schemas (bodies, parameters, answers), with the problem+json answers every route can give and
 * the security schemes of its authorizers. Served by the local runtime at `GET /openapi.json`
 * and committed as docs/openapi.json (a test fails when that file is stale).
 */
import * as z from 'zod';
import {
  type FunctionSpec,
  type HttpRouteSpec,
  type Manifest,
  pathParametersOf,
  routesOf,
  USER_POOL_AUTHORIZER,
} from '../manifest-types';
import { FORM_MEDIA_TYPE } from './form';
import { PROBLEM_LIMITS } from './problem';
import { parameterValues } from './query';

type Json = Record<string, unknown>;

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

const problemSchema: Json = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', description: 'urn:eventline:problem:<kind>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', maxLength: PROBLEM_LIMITS.detailChars + 64 },
    errors: {
      type: 'array',
      maxItems: PROBLEM_LIMITS.errors,
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  return rest;
}

/** The fields of an object schema, looking through transforms (`z.strictObject(...).transform(...)`). */
function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  let current: z.ZodType | undefined = schema;
  while (current) {
    const def = (current as unknown as { def: { type: string; in?: z.ZodType; shape?: Record<string, z.ZodType> } }).def;
    if (def.type === 'object') return def.shape;
    if (def.type === 'pipe') current = def.in;
    else return undefined;
  }
  return undefined;
}

/** The `single`/`repeated` schema behind a parameter, looking through pipes after it. */
function valuesOf(schema: z.ZodType): { readonly value: z.ZodType; readonly repeated: boolean } | undefined {
  let current: z.ZodType | undefined = schema;
  while (current) {
    const found = parameterValues.get(current);
    if (found) return found;
    const def: { type: string; in?: z.ZodType } = (current as unknown as { def: { type: string; in?: z.ZodType } }).def;
    current = def.type === 'pipe' ? def.in : undefined;
  }
  return undefined;
}

function unwrapOptional(schema: z.ZodType): { schema: z.ZodType; optional: boolean } {
  const def = (schema as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
  if ((def.type === 'optional' || def.type === 'default') && def.innerType) return { schema: def.innerType, optional: true };
  return { schema, optional: false };
}

interface DocumentedParameters {
  readonly [name: string]: { readonly required: boolean; readonly description?: string; readonly repeated?: boolean };
}

function queryParameters(route: HttpRouteSpec): Json[] {
  if (!route.query) return [];
  const documented = (z.globalRegistry.get(route.query) as { queryParameters?: DocumentedParameters } | undefined)
    ?.queryParameters;
  if (documented) {
    return Object.entries(documented).map(([name, p]) => ({
      name,
      in: 'query',
      required: p.required,
      ...(p.description ? { description: p.description } : {}),
      schema: p.repeated ? { type: 'array', items: { type: 'string' } } : { type: 'string' },
      ...(p.repeated ? { style: 'form', explode: true } : {}),
    }));
  }
  const shape = objectShape(route.query) ?? {};
  return Object.entries(shape).map(([name, field]) => {
    const { schema, optional } = unwrapOptional(field);
    const values = valuesOf(schema);
    const valueSchema = values ? jsonSchema(values.value, 'input') : { type: 'string' };
    return {
      name,
      in: 'query',
      required: !optional,
      schema: values?.repeated ? { type: 'array', items: valueSchema } : valueSchema,
      ...(values?.repeated ? { style: 'form', explode: true } : {}),
    };
  });
}

function pathParameters(route: HttpRouteSpec): Json[] {
  const shape = objectShape(route.pathParameters) ?? {};
  return pathParametersOf(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: shape[name] ? jsonSchema(shape[name] as z.ZodType, 'input') : { type: 'string' },
  }));
}

const HTML_TEXT = { type: 'string', description: 'an HTML page' };

function responses(route: HttpRouteSpec): Json {
  // A web page's refusals are HTML pages saying the same in words.
  const problemResponse = (description: string): Json => ({
    description,
    content: route.page ? { 'text/html': { schema: HTML_TEXT } } : { 'application/problem+json': { schema: PROBLEM_REF } },
  });
  const answers: Json = {};
  for (const [status, response] of Object.entries(route.responses ?? {})) {
    answers[status] = {
      description: response.description,
      ...(route.page && Number(status) < 300
        ? { content: { [route.page.contentType ?? 'text/html']: { schema: { type: 'string' } } } }
        : response.body
          ? { content: { 'application/json': { schema: jsonSchema(response.body, 'output') } } }
          : {}),
    };
  }
  answers['400'] = problemResponse('the request is not valid (each field named in `errors`)');
  if (route.authorizer) answers['401'] = { description: 'no or wrong credentials (API Gateway: `{"message": ...}`)' };
  if (route.access) answers['403'] = problemResponse(route.access.denied);
  if (route.body || route.page?.form) {
    answers['413'] = problemResponse(`the body is over ${route.maxBodyBytes ?? 64 * 1024} bytes`);
    answers['415'] = problemResponse(`the body is not ${route.page?.form ? FORM_MEDIA_TYPE : 'application/json'}`);
  }
  answers['500'] = problemResponse('an unexpected error, logged');
  answers['503'] = problemResponse('a dependency could not take the request; retry after `Retry-After` seconds');
  return answers;
}

function requestBody(route: HttpRouteSpec): Json {
  if (route.body)
    return { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } };
  if (route.page?.form) {
    return { requestBody: { required: true, content: { [FORM_MEDIA_TYPE]: { schema: jsonSchema(route.page.form, 'input') } } } };
  }
  return {};
}

/** `$request.header.x-api-key` → an apiKey scheme in that header, named after the authorizer. */
function securitySchemes(authorizers: readonly FunctionSpec[]): Json {
  const schemes: Json = {};
  for (const fn of authorizers) {
    const header = fn.authorizer?.identitySource.map((s) => /^\$request\.header\.(.+)$/.exec(s)?.[1]).find(Boolean);
    schemes[fn.name] = header
      ? { type: 'apiKey', in: 'header', name: header, description: fn.description }
      : { type: 'http', scheme: 'bearer', description: fn.description };
  }
  return schemes;
}

export function openApiDocument(manifest: Manifest, info: { readonly title: string; readonly version: string }): Json {
  const paths: Record<string, Json> = {};
  for (const { fn, route } of routesOf(manifest)) {
    const operation: Json = {
      operationId: route.operation,
      summary: route.summary,
      tags: [fn.capability],
      parameters: [...pathParameters(route), ...queryParameters(route)],
      ...requestBody(route),
      responses: responses(route),
      ...(route.authorizer ? { security: [{ [route.authorizer]: [] }] } : {}),
    };
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        ...securitySchemes(manifest.functions.filter((fn) => fn.authorizer)),
        ...(routesOf(manifest).some(({ route }) => route.authorizer === USER_POOL_AUTHORIZER)
          ? {
              [USER_POOL_AUTHORIZER]: {
                type: 'http',
                scheme: 'bearer',
                bearerFormat: 'JWT',
                description: "An access token of the user pool (POST /v1/sessions), checked by API Gateway's JWT authorizer",
              },
            }
          : {}),
      },
    },
  };
}
