import { keywordIgnoreAbove } from './document-rules';
import type { FieldType } from './search-index';
import { isoDate, parseBoolean, parseDateMillis, parseNumber } from './value-rules';

/**
 * How the embedded index reads field values the way OpenSearch does: the standard analyzer's
 * words for `text`, coercion of numbers/dates/booleans for filters and sorting, and dynamic
 * mapping. The value rules the real adapter shares (parsing, the mapper's rejection of values that
 * do not fit a declared type) are in ./value-rules.
 */

const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Lowercased Unicode words (UAX #29, as OpenSearch's standard tokenizer splits them). */
export function analyzeText(text: string): string[] {
  const words: string[] = [];
  for (const segment of wordSegmenter.segment(text)) {
    if (segment.isWordLike) words.push(segment.segment.toLowerCase());
  }
  return words;
}

/** A field's values as a flat list (arrays are multi-valued fields; null means no value). */
export function fieldValues(body: Record<string, unknown>, path: string): unknown[] {
  const value = valueAtPath(body, path);
  const flat: unknown[] = [];
  const collect = (v: unknown) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach(collect);
    else flat.push(v);
  };
  collect(value);
  return flat;
}

/** `a.b` reads `{ "a.b": … }` or `{ a: { b: … } }`, as OpenSearch treats dotted field names. */
function valueAtPath(body: Record<string, unknown>, path: string): unknown {
  if (path in body) return body[path];
  const dot = path.indexOf('.');
  if (dot < 0) return undefined;
  // Try every split point so `a.b.c` finds `{ "a.b": { c } }` as well as `{ a: { "b.c" } }`.
  for (let at = dot; at >= 0; at = path.indexOf('.', at + 1)) {
    const head = body[path.slice(0, at)];
    if (head !== null && typeof head === 'object' && !Array.isArray(head)) {
      const found = valueAtPath(head as Record<string, unknown>, path.slice(at + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** A value reduced to what OpenSearch compares for term, range and sort on this field type. */
export type Comparable = number | string;

export function comparable(type: FieldType, value: unknown): Comparable | undefined {
  switch (type) {
    case 'long': {
      const n = parseNumber(value);
      return n === undefined ? undefined : Math.trunc(n);
    }
    case 'double':
      return parseNumber(value);
    case 'date':
      return parseDateMillis(value);
    case 'boolean': {
      const b = parseBoolean(value);
      return b === undefined ? undefined : b ? 1 : 0;
    }
    case 'keyword':
      return typeof value === 'object' ? undefined : String(value);
    case 'geo_point':
      // Points have no order and no exact value: only distance filters and sorts use them.
      return undefined;
    case 'text': {
      // Exact matching on a text field goes through its `.keyword` subfield, which skips long values.
      if (typeof value === 'object') return undefined;
      const text = String(value);
      return text.length > keywordIgnoreAbove ? undefined : text;
    }
  }
}

/** For fields without a declared type: what OpenSearch's dynamic mapping would make of the value. */
export function inferFieldType(value: unknown): FieldType {
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string' && isoDate.test(value.trim()) && /^\d{4}-\d{2}-\d{2}/.test(value.trim())) return 'date';
  return 'text';
}

export function compareComparables(a: Comparable, b: Comparable): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
