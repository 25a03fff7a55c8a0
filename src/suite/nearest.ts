/** Edit distance of two words (insertions, deletions, substitutions and swaps of neighbours each cost 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The valid word closest to `word`, if it is close enough to be what was meant (a typo, another spelling:
 * `max-calls` for `max_calls`, `Temperature`); null otherwise.
 */
export function nearest(word: string, valid: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/[-\s]/g, "_");
  const w = norm(word);
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const v of valid) {
    const n = norm(v);
    const distance = n === w ? 0 : n.startsWith(w) || w.startsWith(n) ? 1 : editDistance(w, n);
    if (distance < bestDistance) {
      best = v;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(w.length / 3));
  return best !== null && bestDistance <= allowed ? best : null;
}
