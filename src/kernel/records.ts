// Records keyed by what callers send (ids, ts, names): a Map that serialises as a JSON object, so `__proto__` is an ordinary key and snapshots keep their format.

/**
 * A Map from string keys that callers choose (a channel id, a ts, a command name) to records.
 * A plain object would answer `constructor` or `__proto__` from its prototype, or let a write to
 * `__proto__` change every object in the process; a Map has no such keys. `JSON.stringify` writes
 * it as the object a plain record would have been (same keys, same order), so a twin's state
 * still snapshots to the same bytes; `JsonMap.fromJSON` rebuilds it on restore.
 *
 * @example
 *   const users = new JsonMap<User>();
 *   users.get('__proto__'); // undefined, like any unknown id
 *   JSON.stringify({ users }); // '{"users":{}}'
 */
export class JsonMap<V> extends Map<string, V> {
  /** The entries as a JSON object: own data properties (even `__proto__`), in the order a plain object keeps them. */
  toJSON(): Record<string, V> {
    const out = Object.create(null) as Record<string, V>;
    for (const [key, value] of this) out[key] = value;
    return out;
  }

  /**
   * Rebuild a map from a snapshot's JSON object, each value checked and rebuilt by `revive`
   * (which throws to refuse it). Throws a TypeError naming `what` when `json` is not an object.
   */
  static fromJSON<V>(json: unknown, what: string, revive: (value: unknown, key: string) => V): JsonMap<V> {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TypeError(`${what} must be an object`);
    const map = new JsonMap<V>();
    // Object.entries lists own properties only, so a `__proto__` key in the JSON is just a key here.
    for (const [key, value] of Object.entries(json)) map.set(key, revive(value, key));
    return map;
  }

  /** A map of the given entries (`JsonMap.of(Object.entries(seeded))`). */
  static of<V>(entries: Iterable<readonly [string, V]>): JsonMap<V> {
    return new JsonMap<V>(entries);
  }
}

/** The JSON a value writes when its JsonMaps are objects: the type of a snapshot's state. */
export type JsonOf<T> =
  T extends JsonMap<infer V>
    ? Record<string, JsonOf<V>>
    : T extends (infer E)[]
      ? JsonOf<E>[]
      : T extends object
        ? { [K in keyof T]: JsonOf<T[K]> }
        : T;
