'use client';

import { useFormStatus } from 'react-dom';
import { signOut } from './actions';

function SignOutSubmit() {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className="link-button" disabled={pending} aria-busy={pending}>
      {pending ? 'Signing out…' : 'Sign out'}
    </button>
  );
}

/** The header's sign-out control: a plain form (so it works without JavaScript) that shows when it is busy. */
export function SignOutButton() {
  return (
    <form action={signOut}>
      <SignOutSubmit />
    </form>
  );
}
