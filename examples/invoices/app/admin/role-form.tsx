'use client';

import { useActionState } from 'react';
import { changeUserRole, type RoleFormState } from './actions';
import { FailureBanner, resultOf } from '@/components/form-feedback';
import { SubmitButton } from '@/components/submit-button';
import type { Role } from '@/lib/users';

/** Changes one user's role; guarded by the admin directory rule. */
export function RoleForm({ userId, role }: { userId: number; role: Role }) {
  const [state, formAction, pending] = useActionState(changeUserRole, null as RoleFormState);
  const result = resultOf(state);
  return (
    <form action={formAction} className="inline-form">
      <input type="hidden" name="userId" value={userId} />
      <label className="visually-hidden" htmlFor={`role-${userId}`}>
        Role
      </label>
      <select id={`role-${userId}`} name="role" defaultValue={role} key={role}>
        <option value="member">member</option>
        <option value="admin">admin</option>
      </select>
      <SubmitButton pending={pending} pendingLabel="Saving…" variant="secondary">
        Save
      </SubmitButton>
      <FailureBanner state={state} />
      {result ? (
        <span className={result.ok ? 'muted' : 'field-error'} role="status">
          {result.message}
        </span>
      ) : null}
    </form>
  );
}
