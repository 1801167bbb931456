/**
 * The name a user probably meant: within two edits of what was typed (or starting with it), for
 * "did you mean ...?" after a typo in a verb or a model name.
 */
export function closestName(typed: string, names: Iterable<string>): string | undefined {
  const t = typed.toLowerCase();
  if (t.length < 2) return undefined;
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = n.startsWith(t) ? 1 : editDistance(t, n.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
