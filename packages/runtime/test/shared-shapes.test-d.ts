import type { ActionRecord as ManifestActionRecord, NormalizedPolicy as ManifestPolicy } from '@action-guard/manifest';
import type { ActionRecord as TransformActionRecord, NormalizedPolicy as TransformPolicy } from '@action-guard/transform';
import { describe, expectTypeOf, test } from 'vitest';
import type { NormalizedPolicy as RuntimePolicy } from '../src/internal.js';

// The policy shape is declared three times on purpose: the transform emits it, the runtime reads it and the
// manifest stores it, and neither the runtime nor the manifest may depend on the transform at run time
// (docs/architecture.md). These assertions are the cross-package invariant: a change at one end fails here.
describe('the policy shape is the same in the transform, the runtime and the manifest', () => {
  test('NormalizedPolicy', () => {
    expectTypeOf<RuntimePolicy>().toEqualTypeOf<TransformPolicy>();
    expectTypeOf<ManifestPolicy>().toEqualTypeOf<TransformPolicy>();
  });

  test('the manifest reads every field of the records the transform writes', () => {
    expectTypeOf<TransformActionRecord>().toMatchTypeOf<ManifestActionRecord>();
  });
});
