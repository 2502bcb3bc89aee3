import { defineRuntime } from './define-runtime.js';

/**
 * `@action-guard/runtime/default`: the runtime generated code imports when the app configured no runtime module.
 * It knows no sessions, so every action that requires auth returns `UNAUTHENTICATED`: strict by construction.
 */
const runtime = defineRuntime({ session: () => null });

export default runtime;
