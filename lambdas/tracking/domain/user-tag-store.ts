import type { TimeRange } from './time-range';
import type { Action } from './user-tag';

/** Where a tag sits in the log; a store keyed on it makes a replayed record a no-op. */
export interface LogPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface StoredUserTag {
  readonly cookie: string;
  readonly action: Action;
  readonly timeMs: number;
  /** The tag exactly as the client sent it. */
  readonly raw: string;
  /** The tag's identity (its record's `eventline-identity` header): a resent copy is not stored again. */
  readonly identity?: string;
  readonly position: LogPosition;
}

/**
 * Per-cookie recent tags (the `/user_profiles` read model). Implemented over MySQL and in
 * memory; test/contract/user-tag-store.contract.test.ts holds both to the same behaviour.
 */
export interface UserTagStore {
  /**
   * Stores tags idempotently (a position or an identity already stored is ignored) and then trims every
   * touched (cookie, action) to its `keepPerAction` newest tags.
   */
  append(tags: readonly StoredUserTag[], keepPerAction: number): Promise<void>;
  /** Raw tags of one cookie and action with time in `[from, to)`, newest first. */
  newest(cookie: string, action: Action, range: TimeRange, limit: number): Promise<string[]>;
  /** The newest tag time stored (the logical "now" of retention), if any. */
  newestTagTime(): Promise<number | undefined>;
  /** Deletes tags with time before `cutoffMs`; returns how many. */
  deleteOlderThan(cutoffMs: number): Promise<number>;
}
