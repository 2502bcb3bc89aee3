// TypeScript's NodeNext resolution cannot see extension-less subpaths of `next` (it has no `exports` map), but
// bundlers resolve them and Next aliases exactly these specifiers per layer (next/dist/build/create-compiler-aliases.js),
// so the runtime imports them as written and declares the slice it uses here.
declare module 'next/navigation' {
  export function unstable_rethrow(error: unknown): void;
}
declare module 'next/headers' {
  export function headers(): Promise<Headers>;
}
// next/cache is read as `unknown` and checked where it is used (next-interop.ts loadNextCache): its signatures differ
// between Next 15 and 16 (`revalidateTag`'s profile, `updateTag`), and the runtime supports both.
declare module 'next/cache';
