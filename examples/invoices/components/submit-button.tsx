import type { ReactNode } from 'react';

/** A submit button that says what is happening while its form's action runs (`pending` from `useActionState`). */
export function SubmitButton({
  pending,
  children,
  pendingLabel,
  variant = 'primary',
}: {
  pending: boolean;
  children: ReactNode;
  pendingLabel: string;
  variant?: 'primary' | 'danger' | 'secondary';
}) {
  return (
    <button type="submit" className={`button button-${variant}`} disabled={pending} aria-busy={pending}>
      {pending ? pendingLabel : children}
    </button>
  );
}
