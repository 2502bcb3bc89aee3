/** Skips whitespace and comments forward from `index` in module source text; returns where the next token starts. */
export function skipTrivia(code: string, index: number): number {
  let at = index;
  for (;;) {
    while (at < code.length && /\s/.test(code[at]!)) at++;
    if (code.startsWith('/*', at)) at = code.indexOf('*/', at + 2) + 2;
    else if (code.startsWith('//', at)) {
      const newline = code.indexOf('\n', at);
      at = newline === -1 ? code.length : newline;
    } else return at;
  }
}
