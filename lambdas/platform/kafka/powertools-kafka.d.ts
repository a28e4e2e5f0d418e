/**
 * Types for `import ... from '@aws-lambda-powertools/kafka'` under this repository's
 * `"moduleResolution": "node"`: the package declares its entry points only in `exports` (no
 * top-level `types`), which that resolution mode does not read. Runtime resolution (Node, jest,
 * esbuild) uses `exports` and is unaffected. Not needed with `"moduleResolution": "node16"`.
 */
declare module '@aws-lambda-powertools/kafka' {
  export { SchemaType } from '@aws-lambda-powertools/kafka/lib/cjs/constants';
  export { kafkaConsumer } from '@aws-lambda-powertools/kafka/lib/cjs/consumer';
}
