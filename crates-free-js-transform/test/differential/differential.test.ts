import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { transform } from '../../src/index.js';
import { checkModule, CONFIGS, type Failure } from './differential-check.js';
import { moduleSpecArbitrary, renderModule } from './module-arbitrary.js';

/**
 * The fixed-seed sample of the differential test (the long run is `pnpm differential`, scripts/differential.mjs):
 * generated modules compiled by Next's own SWC on every layer, for webpack's and Turbopack's options, with
 * cacheComponents off and on. Every name Next registers must be guarded or the module rejected, our output must
 * register the same IDs, and running it must put the guard before any body code. On failure fast-check shrinks to a
 * minimal module and the message shows its source and every failure.
 */
const SEED = 20261205;
const RUNS = 300;

/** A failure as one readable line. */
function describeFailure(failure: Failure): string {
  return `${failure.category} [${failure.config} ${failure.layer}] ${failure.name ?? ''}: ${failure.detail} (${failure.origin})`;
}

describe("the transform against Next's compiler on generated modules", () => {
  test(`every registration Next makes is guarded or rejected, keeps its ID, and runs the guard first (${RUNS} modules × ${CONFIGS.length} configs)`, async () => {
    let registered = 0;
    await fc.assert(
      fc.asyncProperty(moduleSpecArbitrary, async (spec) => {
        const module = renderModule(spec);
        const report = await checkModule(module, transform);
        registered += report.registered;
        if (report.failures.length > 0) {
          throw new Error(`${module.filename}\n${module.code}\n${report.failures.map(describeFailure).join('\n')}`);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The sample is only worth something if Next registered names in it.
    expect(registered).toBeGreaterThan(RUNS);
  }, 600_000);
});
