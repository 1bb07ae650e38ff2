/**
 * A map by string key that holds its entry in a field while it has one entry that was added
 * while it was empty: a map a run fills and empties one entry at a time (the activity it awaits,
 * at most steps of most runs) then allocates nothing. A `Map` would: V8 makes its table anew
 * whenever a delete leaves it under a quarter full, so each `delete` that empties it allocates.
 * Iteration is in insertion order, as a `Map`'s: the lone entry, when set, is older than every
 * other (it is only taken while no other entry exists).
 */
export class LoneEntryMap<V> implements ReadonlyMap<string, V> {
  #loneKey: string | undefined;
  #lone: V | undefined;
  /** The entries added while another was held: made at the first, emptied but kept after. */
  #more: Map<string, V> | undefined;

  get size(): number {
    return (this.#loneKey === undefined ? 0 : 1) + (this.#more?.size ?? 0);
  }

  get(key: string): V | undefined {
    return key === this.#loneKey ? this.#lone : this.#more?.get(key);
  }

  has(key: string): boolean {
    return key === this.#loneKey || this.#more?.has(key) === true;
  }

  set(key: string, value: V): this {
    if (key === this.#loneKey) this.#lone = value;
    else if (this.#loneKey === undefined && !this.#more?.size) {
      this.#loneKey = key;
      this.#lone = value;
    } else {
      this.#more ??= new Map();
      this.#more.set(key, value);
    }
    return this;
  }

  delete(key: string): boolean {
    if (key !== this.#loneKey) return this.#more?.delete(key) === true;
    this.#loneKey = undefined;
    this.#lone = undefined;
    return true;
  }

  *entries(): MapIterator<[string, V]> {
    if (this.#loneKey !== undefined) yield [this.#loneKey, this.#lone as V];
    if (this.#more) yield* this.#more.entries();
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  /** No generator: a run's replay lists its pending activities through it. */
  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    if (this.#loneKey !== undefined) callback.call(thisArg, this.#lone as V, this.#loneKey, this);
    this.#more?.forEach((value, key) => {
      callback.call(thisArg, value, key, this);
    });
  }
}
