import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../../lambdas/platform/http/openapi';
import type { Manifest } from '../../lambdas/platform/manifest-types';
import { REPO_ROOT } from './handler-loader';

/** Eventline's OpenAPI document: the manifest's routes, titled and versioned from package.json. */
export function eventlineOpenApi(manifest: Manifest): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return openApiDocument(manifest, { title: 'Eventline API', version: pkg.version });
}
