import { getDb } from './db';

/** Adds an email to the newsletter; returns false when it was already subscribed. */
export function subscribeToNewsletter(email: string): boolean {
  return getDb().prepare('INSERT OR IGNORE INTO newsletter_subscribers (email) VALUES (?)').run(email).changes === 1;
}

/** How many addresses receive the newsletter. */
export function countSubscribers(): number {
  return (getDb().prepare('SELECT COUNT(*) AS n FROM newsletter_subscribers').get() as { n: number }).n;
}
