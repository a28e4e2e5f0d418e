import type { IndexedDocument } from './search-index';

/**
 * Rules OpenSearch applies to a whole `_bulk` request (one bad id or version rejects every item),
 * checked per document instead so one bad document fails alone. Both adapters use them, so the
 * embedded adapter rejects exactly what the real one would.
 */
export const maxIdBytes = 512;

export function invalidDocumentReason(document: IndexedDocument<unknown>): string | undefined {
  const { id, version, body } = document;
  if (typeof id !== 'string' || id.length === 0) return 'invalid_id: the id must be a non-empty string';
  if (Buffer.byteLength(id, 'utf8') > maxIdBytes) return `invalid_id: the id is longer than ${maxIdBytes} bytes`;
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 0)) {
    return `illegal_version: external version ${String(version)} must be a non-negative integer`;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'invalid_body: the body must be a JSON object';
  return undefined;
}

/** OpenSearch's index name rules (lowercase, no path or wildcard characters, not `.`/`..`, at most 255 bytes). */
export function invalidIndexNameReason(name: string): string | undefined {
  if (name.length === 0) return 'invalid_index_name: empty';
  if (name !== name.toLowerCase()) return `invalid_index_name: [${name}] must be lowercase`;
  if (/[\\/*?"<>| ,#:]/.test(name)) return `invalid_index_name: [${name}] must not contain \\ / * ? " < > | space , # :`;
  if (/^[-_+]/.test(name)) return `invalid_index_name: [${name}] must not start with _, - or +`;
  if (name === '.' || name === '..') return `invalid_index_name: [${name}]`;
  if (Buffer.byteLength(name, 'utf8') > 255) return `invalid_index_name: [${name}] is longer than 255 bytes`;
  return undefined;
}

/**
 * Text fields also get an exact `.keyword` subfield for term filters, ranges and sorting; values
 * longer than this are not copied into it (as in OpenSearch's dynamic mapping), which keeps long
 * text from hitting Lucene's term size limit.
 */
export const keywordIgnoreAbove = 256;

/** OpenSearch refuses `from + size` beyond this (index.max_result_window). */
export const maxResultWindow = 10_000;

/** OpenSearch's default page size. */
export const defaultPageSize = 10;
