import { defineInvoicesSuite } from './invoices-suite.js';

// One file per bundler: each builds the example once (a few minutes on two cores) and runs the whole suite on it.
defineInvoicesSuite('turbopack');
