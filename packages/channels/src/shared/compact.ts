/** A shallow copy without the keys whose value is undefined, so events serialize the same everywhere. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
