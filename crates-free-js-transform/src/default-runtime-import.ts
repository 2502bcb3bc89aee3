/** The specifier emitted code imports when the caller names no runtime module. */
export const DEFAULT_RUNTIME_IMPORT = '@action-guard/runtime/default';
