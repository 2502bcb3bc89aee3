import { getDb } from './db';

/** A user's role: members see and edit their own invoices; admins see and edit everyone's. */
export type Role = 'member' | 'admin';

/** A user as the app shows it (never the password hash). */
export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

const USER_COLUMNS = 'id, email, name, role, created_at AS createdAt';

/** Looks a user up by id. */
export function findUserById(id: number): User | null {
  return (getDb().prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get(id) as User | undefined) ?? null;
}

/** Looks a user up by email (case-insensitive) together with the password hash, for sign-in only. */
export function findUserForSignIn(email: string): (User & { passwordHash: string }) | null {
  const row = getDb()
    .prepare(`SELECT ${USER_COLUMNS}, password_hash AS passwordHash FROM users WHERE email = ?`)
    .get(email) as (User & { passwordHash: string }) | undefined;
  return row ?? null;
}

/** Every user, for the admin area. */
export function listUsers(): User[] {
  return getDb().prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY id`).all() as User[];
}

/** Changes a user's role; returns false when there is no such user. */
export function updateUserRole(id: number, role: Role): boolean {
  return getDb().prepare('UPDATE users SET role = ? WHERE id = ?').run(role, id).changes === 1;
}

/** How many admins exist (the admin area refuses to remove the last one). */
export function countAdmins(): number {
  return (getDb().prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'").get() as { n: number }).n;
}
