import type { TimeRange } from '../domain/time-range';
import type { Action } from '../domain/user-tag';
import type { StoredUserTag, UserTagStore } from '../domain/user-tag-store';

const positionKey = (tag: StoredUserTag) => `${tag.position.topic}/${tag.position.partition}/${tag.position.offset}`;

/** Newest first: by tag time, then by log offset (one cookie always lives in one partition). */
const newestFirst = (a: StoredUserTag, b: StoredUserTag) =>
  b.timeMs - a.timeMs || Number(BigInt(b.position.offset) - BigInt(a.position.offset));

/** The embedded `UserTagStore` behind `npm start`. */
export class InMemoryUserTagStore implements UserTagStore {
  private readonly byCookie = new Map<string, Record<Action, StoredUserTag[]>>();
  private readonly stored = new Set<string>();
  private readonly identities = new Set<string>();

  async append(tags: readonly StoredUserTag[], keepPerAction: number): Promise<void> {
    const touched = new Set<StoredUserTag[]>();
    for (const tag of tags) {
      const key = positionKey(tag);
      if (this.stored.has(key) || (tag.identity !== undefined && this.identities.has(tag.identity))) continue;
      this.stored.add(key);
      if (tag.identity !== undefined) this.identities.add(tag.identity);
      let lists = this.byCookie.get(tag.cookie);
      if (!lists) {
        lists = { VIEW: [], BUY: [] };
        this.byCookie.set(tag.cookie, lists);
      }
      lists[tag.action].push(tag);
      touched.add(lists[tag.action]);
    }
    for (const list of touched) {
      list.sort(newestFirst);
      list.splice(keepPerAction);
    }
  }

  async newest(cookie: string, action: Action, range: TimeRange, limit: number): Promise<string[]> {
    const list = this.byCookie.get(cookie)?.[action] ?? [];
    return list
      .filter((tag) => tag.timeMs >= range.fromMs && tag.timeMs < range.toMs)
      .slice(0, limit)
      .map((tag) => tag.raw);
  }

  async newestTagTime(): Promise<number | undefined> {
    let newest: number | undefined;
    for (const lists of this.byCookie.values()) {
      for (const tag of [...lists.VIEW, ...lists.BUY]) if (newest === undefined || tag.timeMs > newest) newest = tag.timeMs;
    }
    return newest;
  }

  async deleteOlderThan(cutoffMs: number): Promise<number> {
    let deleted = 0;
    for (const [cookie, lists] of this.byCookie) {
      for (const action of ['VIEW', 'BUY'] as const) {
        const kept = lists[action].filter((tag) => tag.timeMs >= cutoffMs);
        deleted += lists[action].length - kept.length;
        lists[action] = kept;
      }
      if (lists.VIEW.length === 0 && lists.BUY.length === 0) this.byCookie.delete(cookie);
    }
    return deleted;
  }
}
