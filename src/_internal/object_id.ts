// Small stable numbers for objects, to build cache and pool keys from object identities.
const ids = new WeakMap<object, number>();
let nextId = 1;

/** The number of `value`, the same for as long as the object lives. */
export function objectId(value: object): number {
  let id = ids.get(value);
  if (id === undefined) ids.set(value, id = nextId++);
  return id;
}
