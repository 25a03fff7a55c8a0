/**
 * A bounded memo for the text readers: the same document is often read many times (every trial of a simulated
 * persona writes the same report; a run re-scores many trials of one configuration). Results are pure functions
 * of their arguments, so caching changes nothing but time.
 */
export function memo<A extends unknown[], R>(fn: (...args: A) => R, size = 2048): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args: A): R => {
    const key = JSON.stringify(args);
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as R;
    const value = fn(...args);
    if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
    return value;
  };
}
