/**
 * The one rule for arguments of the wrong type, for JavaScript callers that TypeScript does not
 * check: refuse them where they are passed, with a `TypeError` naming the call, the parameter,
 * what it takes and what it got, e.g. `authorizeId(id): expected a SPIFFE ID string or SpiffeId,
 * got undefined`, rather than failing later with an error about the library's internals.
 *
 * @module
 */

/**
 * The error for an argument of the wrong type.
 *
 * @param where The call and parameter, e.g. `X509Bundle.parse(trustDomain)`.
 * @param expected What the parameter takes, e.g. `a trust domain string or TrustDomain`.
 * @param value What was passed.
 * @returns `<where>: expected <expected>, got <value>`.
 */
export function argumentError(where: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${where}: expected ${expected}, got ${describeValue(value, expected)}`);
}

/**
 * A short description of a value for an error message: never its whole content.
 *
 * @param value The value.
 * @param expected What was expected, to point out an instance of the expected class that comes
 * from another copy of the library (e.g. the npm build next to the Deno sources).
 * @returns e.g. `undefined`, `number 42`, `string "a"`, `an array`, `an instance of URL`.
 */
function describeValue(value: unknown, expected: string): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case "number":
    case "boolean":
      return `${typeof value} ${value}`;
    case "bigint":
      return `bigint ${value}n`;
    case "symbol":
      return "a symbol";
    case "function":
      return value.name === "" ? "a function" : `function ${value.name}`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const name = constructorName(value as object);
  if (name === undefined) return "an object";
  if (expected.endsWith(` ${name}`)) return `a ${name} from another copy of spiffe-ts`;
  return `an instance of ${name}`;
}

function constructorName(value: object): string | undefined {
  try {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof name === "string" && name !== "" && name !== "Object" ? name : undefined;
  } catch {
    return undefined; // a proxy or getter that throws: describe it as an object
  }
}
