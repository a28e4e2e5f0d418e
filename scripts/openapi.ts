/**
 * `npm run openapi`: writes docs/openapi.json, the OpenAPI 3.1 document generated from the
 * manifest (the same document the local runtime serves at `GET /openapi.json`).
 * `npm run openapi -- --check` fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { manifest } from '../lambdas/manifest';
import { eventlineOpenApi } from './local-runtime/openapi-document';

const file = path.resolve(__dirname, '..', 'docs', 'openapi.json');
const text = `${JSON.stringify(eventlineOpenApi(manifest), null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) {
    console.error('docs/openapi.json is stale: run `npm run openapi`');
    process.exit(1);
  }
  console.log('docs/openapi.json is up to date');
} else {
  writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
