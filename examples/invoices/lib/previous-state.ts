import { z } from 'zod';

/**
 * The schema of the previous state that `useActionState` passes as an action's first argument. The client sends
 * that state back with every submission, so it is validated like any other argument (README "@schema"). The
 * actions of this app never read it, so whatever arrives becomes `null`: a forged state cannot reach a body.
 */
export const PreviousState = z.unknown().transform((): null => null);
