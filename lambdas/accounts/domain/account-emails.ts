/** An account's secondary addresses (lower-cased), at most MAX_SECONDARY_EMAILS of them. */
export const MAX_SECONDARY_EMAILS = 5;

export interface AccountEmails {
  /** The addresses, in the order they were added. */
  list(username: string): Promise<string[]>;
  /** Adds the address; `false` when it was there already (nothing changes). */
  add(username: string, email: string, at: Date): Promise<boolean>;
  /** Removes the address; `false` when it was not there. */
  remove(username: string, email: string): Promise<boolean>;
  /** Forgets every address of the account (account deletion). */
  removeAll(username: string): Promise<void>;
}

/** Addresses compare case-insensitively (in practice mailboxes do): one spelling is kept. */
export function normalizedEmail(email: string): string {
  return email.trim().toLowerCase();
}
