/**
 * Source-mapped stack traces in Lambda, with a bundle's source map read only when a stack trace
 * needs it.
 *
 * Node's `--enable-source-maps` reads and parses a module's source map while it loads the module,
 * and counts the module's lines (for coverage tools): for a ~400 KB bundle and its ~600 KB map
 * that was about a fifth of every cold start's module init (docs/PERFORMANCE.md, "Cold starts
 * and bundles"), paid although only a formatted stack trace ever uses the map. So Eventline's
 * bundles run without the flag and run `lambda-prelude.ts` first instead (esbuild `inject`, see
 * lib/constructs/eventline-function.ts), which calls `installLazySourceMaps`: an
 * `Error.prepareStackTrace` that writes every frame as Node's own source-map support does
 * (lib/internal/source_map/prepare_stack_trace.js in Node 22), reading a file's map the first
 * time a stack trace shows a frame of that file. A container that never formats a stack trace
 * never reads a map.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload, type SourceMapping } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAPPING_URL = '//# sourceMappingURL=';

/** Each file's map, or null when it has none (or it cannot be read): read once, on first use. */
const maps = new Map<string, SourceMap | null>();

function sourceMapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    map = readSourceMap(file);
    maps.set(file, map);
  }
  return map;
}

/** The map a file names in its last line (`//# sourceMappingURL=`), sources made absolute as Node makes them. */
function readSourceMap(file: string): SourceMap | null {
  // node:internal/…, <anonymous>, eval origins: nothing on disk.
  if (!path.isAbsolute(file) && !file.startsWith('file://')) return null;
  try {
    const fileUrl = file.startsWith('file://') ? new URL(file) : pathToFileURL(file);
    const code = readFileSync(fileUrl, 'utf8').trimEnd();
    const lastLine = code.slice(code.lastIndexOf('\n') + 1);
    if (!lastLine.startsWith(MAPPING_URL)) return null;
    const mapUrl = new URL(lastLine.slice(MAPPING_URL.length).trim(), fileUrl);
    // esbuild writes the map next to the bundle; inline (data:) maps are not read here.
    if (mapUrl.protocol !== 'file:') return null;
    const payload = JSON.parse(readFileSync(mapUrl, 'utf8')) as SourceMapPayload;
    payload.sources = payload.sources.map((source) => {
      const full = (payload.sourceRoot ?? '') + source;
      return path.isAbsolute(full) ? pathToFileURL(full).href : new URL(full, mapUrl).href;
    });
    payload.sourceRoot = '';
    return new SourceMap(payload);
  } catch {
    return null;
  }
}

type Entry = Partial<SourceMapping> & { readonly name?: string };

/** A frame of a mapped file, written as Node's `serializeJSStackFrame` writes it. */
function mappedFrame(map: SourceMap, callSite: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string {
  const line = callSite.getLineNumber();
  const column = callSite.getColumnNumber();
  if (line === null || column === null) return `${callSite}`;
  const { originalSource, originalLine, originalColumn }: Entry = map.findEntry(line - 1, column - 1);
  if (originalSource === undefined || originalLine === undefined || originalColumn === undefined) return `${callSite}`;
  const source = originalSource.startsWith('file://') ? fileURLToPath(originalSource) : originalSource;
  const prefix = callSite.isAsync() ? 'async ' : callSite.isConstructor() ? 'new ' : '';
  const typeName = callSite.getTypeName();
  const namePrefix = typeName !== null && typeName !== 'global' ? `${typeName}.` : '';
  const name = originalName(map, callSite, caller) || (callSite.getFunctionName() ?? callSite.getMethodName()) || '<anonymous>';
  return `${prefix}${namePrefix}${name} (${source}:${originalLine + 1}:${originalColumn + 1})`;
}

/** The name the minifier removed: the enclosing function's in the map, else the one at the caller's call. */
function originalName(map: SourceMap, callSite: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string | undefined {
  const enclosing: Entry = map.findEntry(
    (callSite.getEnclosingLineNumber() ?? 0) - 1,
    (callSite.getEnclosingColumnNumber() ?? 0) - 1,
  );
  if (enclosing.name) return enclosing.name;
  if (caller && caller.getFileName() === callSite.getFileName()) {
    const call: Entry = map.findEntry((caller.getLineNumber() ?? 0) - 1, (caller.getColumnNumber() ?? 0) - 1);
    return call.name;
  }
  return undefined;
}

/**
 * Installs the lazily mapped `Error.prepareStackTrace`, unless Node maps stack traces itself
 * (`--enable-source-maps`, tsx). The first line (`TypeError [CODE]: message`) stays Node's own.
 */
export function installLazySourceMaps(): void {
  if (process.sourceMapsEnabled) return;
  const previous = Error.prepareStackTrace;
  const headline = (error: Error): string => (previous ? String(previous(error, [])) : Error.prototype.toString.call(error));
  Error.prepareStackTrace = (error, trace) => {
    const frames = trace.map((callSite, index) => {
      try {
        const file = callSite.getFileName() ?? callSite.getEvalOrigin();
        const map = file ? sourceMapOf(file) : null;
        if (map) return `\n    at ${mappedFrame(map, callSite, trace[index + 1])}`;
      } catch {
        // As Node does: a frame that cannot be mapped is written as V8 writes it.
      }
      return `\n    at ${callSite}`;
    });
    return `${headline(error)}${frames.join('')}`;
  };
}
