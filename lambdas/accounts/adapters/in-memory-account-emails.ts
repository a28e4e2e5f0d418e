import type { AccountEmails } from '../domain/account-emails';

/** The embedded backend's secondary addresses (the same contract as MySQL). */
export class InMemoryAccountEmails implements AccountEmails {
  private readonly byUser = new Map<string, string[]>();

  async list(username: string): Promise<string[]> {
    return [...(this.byUser.get(username) ?? [])];
  }

  async add(username: string, email: string): Promise<boolean> {
    const list = this.byUser.get(username) ?? [];
    if (list.includes(email)) return false;
    this.byUser.set(username, [...list, email]);
    return true;
  }

  async remove(username: string, email: string): Promise<boolean> {
    const list = this.byUser.get(username) ?? [];
    if (!list.includes(email)) return false;
    this.byUser.set(
      username,
      list.filter((e) => e !== email),
    );
    return true;
  }

  async removeAll(username: string): Promise<void> {
    this.byUser.delete(username);
  }
}
