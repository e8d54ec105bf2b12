// The extra node:tls options a caller may pass to dial/listen: the ones that shape the
// secure context (protocol versions, ciphers, curves...) are built into it, so a
// prebuilt context never silently drops them; the ones that would replace SPIFFE's
// credentials or checks are refused with a TypeError naming the field.
import { constants } from "node:crypto";
import type { SecureContextOptions } from "node:tls";
import process from "node:process";

/** Secure-context fields we build in; everything else passes through to connect/listen. */
const CONTEXT_FIELDS = [
  "ciphers",
  "crl",
  "dhparam",
  "ecdhCurve",
  "honorCipherOrder",
  "maxVersion",
  "minVersion",
  "secureOptions",
  "secureProtocol",
  "sigalgs",
] as const;

/** Fields that would bypass SPIFFE's credentials or peer checks. */
const CREDENTIAL_FIELDS = [
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "privateKeyEngine",
  "privateKeyIdentifier",
  "clientCertEngine",
  "secureContext",
];
const REFUSED = {
  /** dialWithMode: it dials the address it is given. */
  client: [...CREDENTIAL_FIELDS, "checkServerIdentity", "rejectUnauthorized", "host", "port"],
  /** spiffeConnect: where to connect is the caller's. */
  connect: [...CREDENTIAL_FIELDS, "checkServerIdentity", "rejectUnauthorized"],
  server: [...CREDENTIAL_FIELDS, "requestCert", "rejectUnauthorized", "SNICallback"],
};

/** The fields `contextExtras` refuses for `side`. */
export type RefusingSide = keyof typeof REFUSED;

/**
 * Context fields Deno's node:tls (rustls underneath) ignores: only the protocol versions
 * take effect there (probed on Deno 2.9.6), so the others are refused rather than dropped.
 */
const IGNORED_BY_DENO = new Set([
  "ciphers",
  "crl",
  "dhparam",
  "ecdhCurve",
  "honorCipherOrder",
  "secureOptions",
  "secureProtocol",
  "sigalgs",
]);

/** The oldest TLS version any SPIFFE context allows (as go-spiffe's MinVersion). */
export const MIN_TLS_VERSION = "TLSv1.2";

/** The versions below our floor. */
const TOO_OLD = new Set(["TLSv1", "TLSv1.1"]);

/**
 * Renegotiation is refused on every SPIFFE context: a renegotiated peer could present
 * another certificate after it was verified (Node allows client-initiated TLS 1.2
 * renegotiation by default; Deno's rustls never renegotiates).
 */
export const SPIFFE_SECURE_OPTIONS = constants.SSL_OP_NO_RENEGOTIATION ?? 0;

/** The context-shaping part of extra options, with SPIFFE's floor applied. */
export type ContextExtras = Pick<SecureContextOptions, (typeof CONTEXT_FIELDS)[number]>;

/**
 * Checks extra options for dialWithMode (`client`), spiffeConnect (`connect`) or a server
 * (`server`), and returns the fields to build into the secure context.
 *
 * @throws {TypeError} For a field that cannot be honoured, naming it.
 */
export function contextExtras(
  options: object | undefined,
  side: RefusingSide,
  where: string,
): ContextExtras {
  const extras: ContextExtras = {};
  if (options === undefined) return extras;
  const record = options as Record<string, unknown>;
  for (const field of REFUSED[side]) {
    if (record[field] !== undefined) {
      throw new TypeError(
        `${where}: tlsOptions.${field} cannot be set: SPIFFE ${
          field === "host" || field === "port" ? "dials the given address" : "sets it"
        }`,
      );
    }
  }
  Object.assign(extras, pickContextFields(options));
  if (process.versions.deno !== undefined) {
    for (const field of Object.keys(extras)) {
      if (IGNORED_BY_DENO.has(field)) {
        throw new TypeError(
          `${where}: tlsOptions.${field} is not supported by Deno's node:tls, which would ignore it`,
        );
      }
    }
  }
  for (const field of ["minVersion", "maxVersion"] as const) {
    if (TOO_OLD.has(extras[field] ?? "")) {
      throw new TypeError(`${where}: tlsOptions.${field} must be TLSv1.2 or later`);
    }
  }
  return extras;
}

/** The context-shaping fields of `options`, as they are. */
export function pickContextFields(options: object): ContextExtras {
  const record = options as Record<string, unknown>;
  const extras: Record<string, unknown> = {};
  for (const field of CONTEXT_FIELDS) {
    if (record[field] !== undefined) extras[field] = record[field];
  }
  return extras as ContextExtras;
}

/**
 * The node:tls secure-context options for SPIFFE: the extras, TLS 1.2 at least, and
 * renegotiation refused whatever `secureOptions` the caller gave.
 */
export function spiffeContextOptions(extras: ContextExtras): ContextExtras {
  return {
    minVersion: MIN_TLS_VERSION,
    ...extras,
    secureOptions: (extras.secureOptions ?? 0) | SPIFFE_SECURE_OPTIONS,
  };
}

/** The options with the context fields taken out (they live in the secure context). */
export function withoutContextFields<T extends object>(options: T | undefined): Partial<T> {
  const rest: Record<string, unknown> = { ...options };
  for (const field of CONTEXT_FIELDS) delete rest[field];
  return rest as Partial<T>;
}

/** The options without the fields `side` refuses (what spiffe-ts sets itself). */
export function withoutRefusedFields<T extends object>(
  options: T | undefined,
  side: RefusingSide,
): Partial<T> {
  const rest: Record<string, unknown> = { ...options };
  for (const field of REFUSED[side]) delete rest[field];
  return rest as Partial<T>;
}
