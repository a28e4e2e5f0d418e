/**
 * Searching people by name: the query text, its paging and its opaque cursor. Both stores page by
 * offset (the search index ranks by relevance, which has no stable key to resume after): a cursor
 * is the offset of the next page and a digest of the words it belongs to, so a cursor is only
 * taken with the query that made it. Pages end at MAX_OFFSET (the index's result window).
 */
import { createHash } from 'node:crypto';
import { cursorOf, valueOfCursor } from '../../platform/http/cursor';
import { nameWords } from './store';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 50;
/** The longest `q` (characters) and the most words of it that count. */
export const QUERY_MAX = 100;
export const QUERY_MAX_WORDS = 5;
/** No page starts this deep (OpenSearch's default `max_result_window` is 10,000 hits). */
export const MAX_OFFSET = 10_000 - MAX_LIMIT;

/** A search's text: as typed (for the index) and as words (for the fallback); empty means everyone. */
export interface SearchText {
  /** The words as typed, at most QUERY_MAX_WORDS, joined by single spaces: what the index is asked. */
  readonly query: string;
  /** Normalized words (store.ts `nameWords`), at most QUERY_MAX_WORDS. */
  readonly words: readonly string[];
}

export function searchWordsOf(q: string): SearchText {
  const words = nameWords(q).slice(0, QUERY_MAX_WORDS);
  // Text without a letter or digit finds everyone, in both stores.
  if (words.length === 0) return { query: '', words };
  const typed = q.trim().split(/\s+/u).slice(0, QUERY_MAX_WORDS).join(' ');
  return { query: typed, words };
}

function digestOf(text: SearchText): string {
  return createHash('sha256').update(text.query).digest('base64url').slice(0, 12);
}

/** The opaque cursor of the page at `offset` of this search. */
export function encodeCursor(text: SearchText, offset: number): string | undefined {
  if (offset > MAX_OFFSET) return undefined;
  return cursorOf({ q: digestOf(text), o: offset });
}

/** The offset a cursor stands for, or why it cannot be used with this search. */
export function decodeCursor(text: SearchText, cursor: string): number | string {
  const invalid = 'is not a cursor this search answered';
  const decoded = valueOfCursor(cursor, 200);
  if (typeof decoded !== 'object' || decoded === null) return invalid;
  const { q, o } = decoded as { q?: unknown; o?: unknown };
  if (q !== digestOf(text)) return 'belongs to another search (other words); start again without it';
  if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 1 || o > MAX_OFFSET) return invalid;
  return o;
}
