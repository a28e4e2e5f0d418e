import { summaryOf } from '../domain/profile';
import type { NamePage, NameQuery, PeopleStore, PersonVersion } from '../domain/store';
import { nameHaystack, nameKey } from '../domain/store';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const byBytes = (a: string, b: string) => Buffer.compare(bytes(a), bytes(b));

/** The embedded backend's people store: the MySQL store's contract, in a Map. */
export class InMemoryPeopleStore implements PeopleStore {
  private readonly people = new Map<string, PersonVersion>();

  async apply(versions: readonly PersonVersion[]): Promise<void> {
    for (const person of versions) {
      const stored = this.people.get(person.username);
      if (!stored || person.version > stored.version) this.people.set(person.username, structuredClone(person));
    }
  }

  async get(username: string): Promise<PersonVersion | undefined> {
    const person = this.people.get(username);
    return person && structuredClone(person);
  }

  async findByName(query: NameQuery): Promise<NamePage> {
    const found = [...this.people.values()]
      .flatMap((person) => (person.deleted ? [] : [person]))
      .filter((person) => {
        const haystack = nameHaystack(person.username, person.fields);
        return query.words.every((word) => haystack.includes(` ${word}`));
      })
      .sort(
        (a, b) =>
          byBytes(nameKey(a.fields.lastName), nameKey(b.fields.lastName)) ||
          byBytes(nameKey(a.fields.firstName), nameKey(b.fields.firstName)) ||
          byBytes(a.username, b.username),
      );
    const page = found.slice(query.offset, query.offset + query.limit);
    return {
      items: page.map((person) => summaryOf({ username: person.username, ...person.fields })),
      more: found.length > query.offset + query.limit,
    };
  }

  async scan(after: string | undefined, limit: number): Promise<{ items: PersonVersion[]; next?: string }> {
    const usernames = [...this.people.keys()].filter((u) => after === undefined || byBytes(u, after) > 0).sort(byBytes);
    const page = usernames.slice(0, limit);
    const items = page.map((u) => structuredClone(this.people.get(u) as PersonVersion));
    const last = page[page.length - 1];
    return usernames.length > limit && last !== undefined ? { items, next: last } : { items };
  }
}
