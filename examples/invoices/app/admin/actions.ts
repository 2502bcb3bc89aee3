'use server';

import { getActionSession, getValidatedInput, type ActionResult } from '@action-guard/runtime';
import { revalidatePath } from 'next/cache';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { PreviousState } from '@/lib/previous-state';
import type { AppSession } from '@/lib/action-guard';
import { countAdmins, findUserById, updateUserRole } from '@/lib/users';

/** What a row's role form shows after a submission. */
export type RoleFormState = ActionResult<{ ok: boolean; message: string }> | null;

/** The form fields of `changeUserRole`, named second in its `@schema` list (after the previous state). */
export const changeUserRoleSchema = z.object({
  userId: z.string().regex(/^\d{1,12}$/, 'Not a valid user id.').transform(Number),
  role: z.enum(['member', 'admin'], { error: 'Choose member or admin.' }),
});

/**
 * Gives a user the member or the admin role. No auth tag here on purpose: the `app/admin/**` rule in
 * action-guard.config.ts requires the admin role for every action in this folder.
 * @schema PreviousState, changeUserRoleSchema
 */
export async function changeUserRole(_previous: RoleFormState, _formData: FormData): Promise<RoleFormState> {
  const { userId, role } = getValidatedInput(changeUserRoleSchema);
  const target = findUserById(userId);
  if (target === null) notFound();
  if (target.role === role) return { ok: true, message: `${target.name} is already ${role === 'admin' ? 'an admin' : 'a member'}.` };
  // An app rule, not a guard rule: the team must never lock itself out of its own admin area.
  if (target.role === 'admin' && countAdmins() === 1) {
    return { ok: false, message: 'Keep at least one admin: promote someone else first.' };
  }
  updateUserRole(userId, role);
  revalidatePath('/admin');
  const self = getActionSession<AppSession>()!.userId === userId;
  return { ok: true, message: self ? 'Your role changed; the admin area closes for you on the next page.' : `${target.name} is now ${role === 'admin' ? 'an admin' : 'a member'}.` };
}
