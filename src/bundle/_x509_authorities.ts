/**
 * The X.509 authorities of a bundle, shared by `X509Bundle` and `SpiffeBundle`.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { encodeBase64 } from "../_internal/base64.ts";

/**
 * An insertion-ordered set of CA certificates keyed by their DER bytes, so lookups are O(1) and a
 * certificate added twice (even as two different objects) is stored once.
 */
export class X509Authorities {
  readonly #byDer = new Map<string, X509Certificate>();

  /**
   * Creates the set.
   *
   * @param certs The initial certificates.
   */
  constructor(certs: Iterable<X509Certificate> = []) {
    for (const cert of certs) this.add(cert);
  }

  /**
   * Adds a certificate unless it is present.
   *
   * @param cert The certificate.
   * @returns Whether the set changed.
   */
  add(cert: X509Certificate): boolean {
    const key = derKey(cert);
    if (this.#byDer.has(key)) return false;
    this.#byDer.set(key, cert);
    return true;
  }

  /**
   * Removes a certificate.
   *
   * @param cert The certificate, compared by DER.
   * @returns Whether the set changed.
   */
  remove(cert: X509Certificate): boolean {
    return this.#byDer.delete(derKey(cert));
  }

  /**
   * Whether the certificate is present.
   *
   * @param cert The certificate, compared by DER.
   * @returns `true` when present.
   */
  has(cert: X509Certificate): boolean {
    return this.#byDer.has(derKey(cert));
  }

  /**
   * The certificates, in insertion order.
   *
   * @returns A new array.
   */
  list(): X509Certificate[] {
    return [...this.#byDer.values()];
  }

  /** How many certificates the set holds. */
  get size(): number {
    return this.#byDer.size;
  }

  /**
   * Whether both sets hold the same certificates in the same order (go-spiffe's
   * `x509util.CertsEqual` compares slices in order).
   *
   * @param other The other set.
   * @returns `true` when equal.
   */
  equals(other: X509Authorities): boolean {
    if (this.#byDer.size !== other.#byDer.size) return false;
    const theirs = other.#byDer.keys();
    for (const key of this.#byDer.keys()) {
      if (theirs.next().value !== key) return false;
    }
    return true;
  }
}

/**
 * The lookup key of a certificate: its DER as base64.
 *
 * @param cert The certificate.
 * @returns The key.
 */
function derKey(cert: X509Certificate): string {
  let key = keys.get(cert);
  if (key === undefined) {
    if (!(cert instanceof X509Certificate)) {
      throw new TypeError("X.509 authority must be a node:crypto X509Certificate");
    }
    key = encodeBase64(cert.raw);
    keys.set(cert, key);
  }
  return key;
}

/** Keys already computed: certificates are immutable, and `raw` copies on every read. */
const keys = new WeakMap<X509Certificate, string>();
