import { getDb } from './db';

/** Stores a feedback message. */
export function insertFeedback(userId: number, topic: string, message: string): number {
  const result = getDb().prepare('INSERT INTO feedback (user_id, topic, message) VALUES (?, ?, ?)').run(userId, topic, message);
  return Number(result.lastInsertRowid);
}

/** The latest feedback, for the admin area. */
export function listFeedback(limit = 20): Array<{ id: number; userName: string; topic: string; message: string; createdAt: string }> {
  return getDb()
    .prepare(
      `SELECT f.id, u.name AS userName, f.topic, f.message, f.created_at AS createdAt
       FROM feedback f JOIN users u ON u.id = f.user_id ORDER BY f.id DESC LIMIT ?`,
    )
    .all(limit) as Array<{ id: number; userName: string; topic: string; message: string; createdAt: string }>;
}
