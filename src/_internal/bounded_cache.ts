// The one eviction rule of the library's caches: a Map that forgets its oldest entry
// (Maps iterate in insertion order) once it holds `limit` entries.

/** Stores `value` under `key` as the newest entry, evicting the oldest beyond `limit`. */
export function rememberBounded<K, V>(cache: Map<K, V>, limit: number, key: K, value: V): void {
  cache.delete(key);
  if (cache.size >= limit) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}
