/**
 * Runs before any other module of an Eventline Lambda bundle (esbuild `inject`, set by
 * `eventlineBundling` in lib/constructs/eventline-function.ts): stack traces are source-mapped
 * when they are formatted, not by `--enable-source-maps` at every cold start (see
 * lazy-source-maps.ts).
 */
import { installLazySourceMaps } from './lazy-source-maps';

installLazySourceMaps();
