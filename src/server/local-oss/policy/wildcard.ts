/**
 * RAM wildcard matching: `*` = any run of characters (including none and `/`), `?` = exactly one.
 * Iterative with single-star backtracking, so a hostile pattern costs O(pattern × text), never
 * exponential time as a naive regex could.
 */
export function matchesWildcard(pattern: string, text: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  // Compare by code points so `?` stands for one character even outside the BMP.
  const pc = Array.from(p);
  const tc = Array.from(t);
  let pi = 0;
  let ti = 0;
  let starPi = -1;
  let starTi = 0;
  while (ti < tc.length) {
    const c = pc[pi];
    if (c === '*') {
      starPi = pi++;
      starTi = ti;
    } else if (c !== undefined && (c === '?' || c === tc[ti])) {
      pi++;
      ti++;
    } else if (starPi >= 0) {
      pi = starPi + 1;
      ti = ++starTi;
    } else {
      return false;
    }
  }
  while (pc[pi] === '*') pi++;
  return pi === pc.length;
}
