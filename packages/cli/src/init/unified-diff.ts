/**
 * A unified diff of one file (the format `git apply` and `patch -p1` read), for `init` and `suggest` to show what
 * they would write. `before` null means a new file. Line-based LCS: config files and action modules are small.
 */
export function unifiedDiff(file: string, before: string | null, after: string, context = 3): string {
  const a = before === null ? [] : splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const header = [`--- ${before === null ? '/dev/null' : `a/${file}`}`, `+++ b/${file}`];
  const hunks: string[] = [];
  let index = 0;
  while (index < ops.length) {
    if (ops[index]!.kind === ' ') {
      index++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change within reach.
    let start = index;
    let contextBefore = 0;
    while (start > 0 && ops[start - 1]!.kind === ' ' && contextBefore < context) {
      start--;
      contextBefore++;
    }
    let end = index;
    let lastChange = index;
    while (end < ops.length) {
      if (ops[end]!.kind !== ' ') lastChange = end;
      else if (end - lastChange > context * 2) break;
      end++;
    }
    end = Math.min(ops.length, lastChange + 1 + context);
    const slice = ops.slice(start, end);
    const oldStart = slice[0]!.aIndex;
    const newStart = slice[0]!.bIndex;
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    hunks.push(`@@ -${oldCount === 0 ? oldStart : oldStart + 1},${oldCount} +${newCount === 0 ? newStart : newStart + 1},${newCount} @@`);
    for (const op of slice) hunks.push(`${op.kind}${op.text}`);
    index = end;
  }
  return hunks.length === 0 ? '' : [...header, ...hunks].join('\n') + '\n';
}

interface Op {
  kind: ' ' | '-' | '+';
  text: string;
  /** Lines of `a` and of `b` before this one. */
  aIndex: number;
  bIndex: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => line.replace(/\r$/, ''));
}

function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: ' ', text: a[i]!, aIndex: i++, bIndex: j++ });
    else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) ops.push({ kind: '+', text: b[j]!, aIndex: i, bIndex: j++ });
    else ops.push({ kind: '-', text: a[i]!, aIndex: i++, bIndex: j });
  }
  return ops;
}
