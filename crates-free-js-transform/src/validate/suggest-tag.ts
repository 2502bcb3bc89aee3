/**
 * Standard JSDoc and TSDoc tags that may sit above an action without being policy. `requires` is left out on
 * purpose: above an action it is far more likely a truncated `@requiresAuth` than JSDoc's module-dependency tag.
 */
const STANDARD_TAGS = new Set([
  'abstract', 'access', 'alias', 'alpha', 'arg', 'argument', 'async', 'augments', 'author', 'beta', 'borrows',
  'callback', 'category', 'class', 'classdesc', 'constant', 'constructor', 'copyright', 'decorator', 'default',
  'defaultvalue', 'deprecated', 'description', 'enum', 'event', 'eventproperty', 'example', 'experimental',
  'exports', 'extends', 'external', 'file', 'fileoverview', 'fires', 'function', 'generator', 'global', 'hideconstructor',
  'ignore', 'implements', 'import', 'inheritdoc', 'inner', 'instance', 'interface', 'internal', 'kind', 'label',
  'lends', 'license', 'link', 'linkcode', 'linkplain', 'listens', 'member', 'memberof', 'method', 'mixes', 'mixin',
  'module', 'name', 'namespace', 'override', 'overload', 'package', 'packagedocumentation', 'param', 'private',
  'privateremarks', 'prop', 'property', 'protected', 'readonly', 'remarks', 'return', 'returns', 'satisfies',
  'sealed', 'see', 'since', 'static', 'summary', 'template', 'this', 'throws', 'todo', 'tutorial', 'type',
  'typedef', 'typeparam', 'variation', 'version', 'virtual', 'yields',
]);

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), for did-you-mean. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * For a tag that is not a policy tag: the policy tag it is probably a typo of, `'ignore'` for a standard JSDoc
 * tag, or `null` for an unknown tag with no close match. Near misses win over the standard list, so `@roles`
 * or `@requireAuth` can never pass silently.
 */
export function suggestTag(name: string, vocabulary: readonly string[]): string | 'ignore' | null {
  const wanted = normalize(name);
  let best: { tag: string; distance: number } | null = null;
  for (const tag of vocabulary) {
    const candidate = normalize(tag);
    const distance = editDistance(wanted, candidate);
    const limit = candidate.length >= 5 ? 2 : 1;
    const isPrefix = wanted.length >= 4 && candidate.startsWith(wanted) && !STANDARD_TAGS.has(wanted);
    if ((distance <= limit || isPrefix) && (best === null || distance < best.distance)) best = { tag, distance };
  }
  if (best !== null) return best.tag;
  return STANDARD_TAGS.has(wanted) ? 'ignore' : null;
}
