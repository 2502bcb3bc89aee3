'use client';

import { useState, type FormEvent } from 'react';

/**
 * Remembers what was typed into a form at its last submission. React 19 resets a form after its action finishes,
 * back to each field's `defaultValue`; feeding these values into `defaultValue` makes that reset restore what the
 * person typed, so a rejected submission keeps their input next to the error messages.
 */
export function useSubmittedValues(): [Record<string, string>, (event: FormEvent<HTMLFormElement>) => void] {
  const [values, setValues] = useState<Record<string, string>>({});
  function remember(event: FormEvent<HTMLFormElement>) {
    const next: Record<string, string> = {};
    for (const [name, value] of new FormData(event.currentTarget)) {
      if (typeof value === 'string') next[name] = value;
    }
    setValues(next);
  }
  return [values, remember];
}
