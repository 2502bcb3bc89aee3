import { defineAttackSuite } from './attacks-suite.js';

// Issue #14 against a webpack build of test/fixtures/attack-app (one or more rounds: see attacks-suite.ts).
defineAttackSuite('webpack');
