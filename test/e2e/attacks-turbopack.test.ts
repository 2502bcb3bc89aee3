import { defineAttackSuite } from './attacks-suite.js';

// Issue #14 against a Turbopack build of test/fixtures/attack-app (one or more rounds: see attacks-suite.ts).
defineAttackSuite('turbopack');
