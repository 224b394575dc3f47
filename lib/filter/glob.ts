/**
 * Shell wildcards for `glob`, `iglob` and `pmatch`, with fnmatch(3) semantics
 * and no FNM_PATHNAME (so `*` also matches `/`): `*`, `?`, bracket expressions
 * (`[abc]`, `[a-z]`, `[!x]` or `[^x]`, `[[:alpha:]]`), and `\` quoting the next
 * character. A `[` without its `]` is an ordinary character.
 */

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
};

const escapeRe = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** Translates a bracket expression starting at `p[i] === '['`; returns [regex source, next index] or undefined. */
function bracket(p: string, i: number): [string, number] | undefined {
  let j = i + 1;
  let negate = false;
  if (p[j] === '!' || p[j] === '^') {
    negate = true;
    j++;
  }
  let body = '';
  let first = true;
  while (j < p.length) {
    const c = p[j];
    if (c === ']' && !first) return [`[${negate ? '^' : ''}${body}]`, j + 1];
    first = false;
    if (c === '[' && p[j + 1] === ':') {
      const end = p.indexOf(':]', j + 2);
      const cls = end > 0 ? POSIX_CLASSES[p.slice(j + 2, end)] : undefined;
      if (cls !== undefined) {
        body += cls;
        j = end + 2;
        continue;
      }
    }
    if (c === '\\' && j + 1 < p.length) {
      body += escapeRe(p[j + 1]);
      j += 2;
      continue;
    }
    if (p[j + 1] === '-' && p[j + 2] !== undefined && p[j + 2] !== ']') {
      let hi = p[j + 2];
      let next = j + 3;
      if (hi === '\\' && j + 3 < p.length) {
        hi = p[j + 3];
        next = j + 4;
      }
      if (hi >= c) body += `${escapeRe(c)}-${escapeRe(hi)}`;
      j = next;
      continue;
    }
    body += escapeRe(c);
    j++;
  }
  return undefined;
}

/** A glob pattern as a RegExp source anchored at both ends. */
export function globSource(pattern: string): string {
  let re = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === '*') {
      re += '[\\s\\S]*';
      while (pattern[i] === '*') i++;
      continue;
    }
    if (c === '?') {
      re += '[\\s\\S]';
      i++;
      continue;
    }
    if (c === '[') {
      const b = bracket(pattern, i);
      if (b) {
        re += b[0];
        i = b[1];
        continue;
      }
    }
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[i + 1]);
      i += 2;
      continue;
    }
    re += escapeRe(c);
    i++;
  }
  return `^${re}$`;
}

/** A compiled glob: case-sensitive (`glob`) or ASCII case-folded (`iglob`). */
export function compileGlob(pattern: string, caseFold = false): RegExp {
  return new RegExp(globSource(pattern), caseFold ? 'i' : '');
}

const WILDCARD = /[?*[]/;

/** Splits a path into its non-empty components (`//a/b/` → [a, b]). */
function components(path: string): string[] {
  return path.split('/').filter((c) => c.length > 0);
}

/**
 * `pmatch`: true when some listed path is a component-wise prefix of the
 * value. Components holding wildcards are globs matched against one component:
 * `/opt/dir` matches `/opt/dir/sub/file`, not `/opt/directory`; `/opt/*\/sub`
 * matches `/opt/x/sub/file`.
 */
export function compilePathPrefixes(paths: readonly string[]): (value: string) => boolean {
  const patterns = paths.map((p) => components(p).map((c) => (WILDCARD.test(c) ? compileGlob(c) : c)));
  // `/` (no components) is a prefix of every path.
  if (patterns.some((p) => p.length === 0)) return () => true;
  return (value) => {
    const parts = components(value);
    outer: for (const pat of patterns) {
      if (pat.length > parts.length) continue;
      for (let i = 0; i < pat.length; i++) {
        const c = pat[i];
        if (typeof c === 'string' ? c !== parts[i] : !c.test(parts[i])) continue outer;
      }
      return true;
    }
    return false;
  };
}
