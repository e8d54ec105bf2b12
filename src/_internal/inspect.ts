/**
 * How the public value classes show themselves to `console.log`, `Deno.inspect` and Node's
 * `util.inspect`. Their state lives in `#private` fields, which the runtimes do not print, so
 * without this every value would show as `SpiffeId {}`.
 *
 * A value describes itself either as one text, shown as `Name(text)` (`SpiffeId(spiffe://example.org/a)`),
 * or as named fields, shown by the runtime itself as `Name { field: value, ... }` so that colors,
 * line breaking, nesting and `depth` work as for any object. Descriptions hold only public,
 * non-secret facts: never private keys, tokens or PEM text.
 *
 * @module
 */
import type { KeyObject, X509Certificate } from "node:crypto";

/** What a value shows: one text (for `Name(text)`) or named fields (for `Name { ... }`). */
export type Description = string | Record<string, unknown>;

/** Deno's `Deno.customInspect` hook: called with Deno's inspect function and its options. */
const DENO_INSPECT = Symbol.for("Deno.customInspect");
/** Node's `util.inspect.custom` hook: called with the depth left, the options and `inspect`. */
const NODE_INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Empty classes named after the described ones, so that the runtime prints `Name { ... }`. */
const views = new Map<string, new () => object>();

/**
 * Gives a class's instances an inspect form on Deno and on Node. Call it from a `static` block of
 * the class, where `describe` may read the `#private` fields. The methods are non-enumerable and
 * untyped, so they add nothing to the class's documented API.
 *
 * @param cls The class.
 * @param name The name to show; given explicitly so that minified bundles still print it.
 * @param describe What an instance shows.
 */
export function defineInspect<T extends object>(
  cls: { readonly prototype: T },
  name: string,
  describe: (value: T) => Description,
): void {
  const show = (value: T): string | object => {
    const description = describe(value);
    return typeof description === "string" ? `${name}(${description})` : view(name, description);
  };
  Object.defineProperty(cls.prototype, DENO_INSPECT, {
    configurable: true,
    writable: true,
    value(this: T, inspect: (value: unknown, options: unknown) => string, options: unknown) {
      const shown = show(this);
      if (typeof shown === "string") return shown;
      // Past the depth asked for, show `[Name]` as Deno shows `[Object]` (Node does it itself).
      const { depth, currentDepth } = (options ?? {}) as Record<string, unknown>;
      if (typeof depth === "number" && typeof currentDepth === "number" && currentDepth > depth) {
        return `[${name}]`;
      }
      return inspect(shown, options);
    },
  });
  Object.defineProperty(cls.prototype, NODE_INSPECT, {
    configurable: true,
    writable: true,
    // Node formats a returned object itself, at the current depth and indentation.
    value(this: T): string | object {
      return show(this);
    },
  });
}

function view(name: string, fields: Record<string, unknown>): object {
  let View = views.get(name);
  if (View === undefined) {
    View = class {};
    Object.defineProperty(View, "name", { value: name });
    views.set(name, View);
  }
  return Object.assign(new View(), fields);
}

const CURVE_NAMES: Readonly<Record<string, string>> = {
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521",
};

/**
 * A key's type, as shown for bundle authorities and SVID keys: `EC P-256`, `RSA 2048`,
 * `Ed25519`. Only the type and size: nothing of the key itself.
 *
 * @param key A public or private key.
 * @returns The description.
 */
export function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case "ec": {
      const curve = details.namedCurve;
      return curve === undefined ? "EC" : `EC ${CURVE_NAMES[curve] ?? curve}`;
    }
    case "rsa":
    case "rsa-pss": {
      const label = type === "rsa" ? "RSA" : "RSA-PSS";
      return details.modulusLength === undefined ? label : `${label} ${details.modulusLength}`;
    }
    case "ed25519":
      return "Ed25519";
    case "ed448":
      return "Ed448";
    default:
      return type ?? key.type;
  }
}

/**
 * A certificate as shown in a bundle: its subject on one line, or its serial number when the
 * subject is empty (as SPIFFE CA certificates may have it).
 *
 * @param cert The certificate.
 * @returns e.g. `CN=example.org`, `C=US, O=SPIFFE`, or `serial 0A1B`.
 */
export function describeCertificate(cert: X509Certificate): string {
  const subject = cert.subject.split("\n").filter((part) => part !== "").join(", ");
  return subject === "" ? `serial ${serialNumber(cert)}` : subject;
}

/**
 * A certificate's serial number as the same text on Deno and Node: upper-case hex with an even
 * number of digits (Node writes `01` where Deno writes `1`).
 *
 * @param cert The certificate.
 * @returns e.g. `01`, `0A1B`.
 */
export function serialNumber(cert: X509Certificate): string {
  const hex = cert.serialNumber.toUpperCase();
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}
