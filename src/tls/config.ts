// What a SPIFFE TLS peer is made of, as plain data (go-spiffe's `tlsconfig.*Config`
// builders): which side, which of go-spiffe's three kinds, where the SVID and bundles come
// from, and the authorizer. Everything else in the TLS layer (options, servers, dials,
// integrations) is computed from a config per connection, so rotations take effect at once.
import type { X509BundleSource } from "../bundle/source.ts";
import type { X509SvidSource } from "../svid/x509_svid.ts";
import { type Authorizer, requireAuthorizer } from "./authorizer.ts";

/** A web server certificate and key in PEM, for the `mtlsWeb*` server modes and configs. */
export interface WebCertificate {
  /** The certificate chain in PEM. */
  cert: string;
  /** The private key in PEM. */
  key: string;
}

/**
 * How a client authenticates (go-spiffe's `tlsconfig.TLSClientConfig`,
 * `MTLSClientConfig`, `MTLSWebClientConfig`): made by {@linkcode tlsClientConfig},
 * {@linkcode mtlsClientConfig} or {@linkcode mtlsWebClientConfig}, and used by
 * {@linkcode spiffeConnect} and `clientConnectionOptions`.
 */
export type SpiffeClientConfig =
  | {
    /** A client config. */
    readonly side: "client";
    /** Authenticate the server by SPIFFE; present no certificate. */
    readonly kind: "tls";
    /** The bundles to trust for the server. */
    readonly bundleSource: X509BundleSource;
    /** Decides on the server's SPIFFE ID. */
    readonly authorizer: Authorizer;
  }
  | {
    /** A client config. */
    readonly side: "client";
    /** Present an X509-SVID; authenticate the server by SPIFFE. */
    readonly kind: "mtls";
    /** Where the client's SVID comes from. */
    readonly svidSource: X509SvidSource;
    /** The bundles to trust for the server. */
    readonly bundleSource: X509BundleSource;
    /** Decides on the server's SPIFFE ID. */
    readonly authorizer: Authorizer;
  }
  | {
    /** A client config. */
    readonly side: "client";
    /** Present an X509-SVID; authenticate the server the Web PKI way. */
    readonly kind: "mtls-web";
    /** Where the client's SVID comes from. */
    readonly svidSource: X509SvidSource;
    /** PEM roots for the server; Node's Web PKI roots when undefined. */
    readonly roots?: readonly string[];
  };

/**
 * How a server authenticates (go-spiffe's `tlsconfig.TLSServerConfig`,
 * `MTLSServerConfig`, `MTLSWebServerConfig`): made by {@linkcode tlsServerConfig},
 * {@linkcode mtlsServerConfig} or {@linkcode mtlsWebServerConfig}, and used by
 * `spiffeServer` and `serverContextOptions`.
 */
export type SpiffeServerConfig =
  | {
    /** A server config. */
    readonly side: "server";
    /** Present an X509-SVID; ask no client certificate. */
    readonly kind: "tls";
    /** Where the server's SVID comes from. */
    readonly svidSource: X509SvidSource;
  }
  | {
    /** A server config. */
    readonly side: "server";
    /** Present an X509-SVID; require and authorize a SPIFFE client. */
    readonly kind: "mtls";
    /** Where the server's SVID comes from. */
    readonly svidSource: X509SvidSource;
    /** The bundles to trust for clients. */
    readonly bundleSource: X509BundleSource;
    /** Decides on the client's SPIFFE ID. */
    readonly authorizer: Authorizer;
  }
  | {
    /** A server config. */
    readonly side: "server";
    /** Present a web certificate; require and authorize a SPIFFE client. */
    readonly kind: "mtls-web";
    /** The server's web certificate and key. */
    readonly certificate: WebCertificate;
    /** The bundles to trust for clients. */
    readonly bundleSource: X509BundleSource;
    /** Decides on the client's SPIFFE ID. */
    readonly authorizer: Authorizer;
  };

function requireSvidSource(where: string, source: X509SvidSource): void {
  if (typeof source?.getX509Svid !== "function") {
    throw new TypeError(`${where}: svidSource must be an X509SvidSource (e.g. an X509Source)`);
  }
}

function requireBundleSource(where: string, source: X509BundleSource): void {
  if (typeof source?.getX509BundleForTrustDomain !== "function") {
    throw new TypeError(
      `${where}: bundleSource must be an X509BundleSource (e.g. an X509Source or a bundle)`,
    );
  }
}

/**
 * A TLS client config: authenticate the server by SPIFFE (its chain must anchor in the
 * bundle of its own trust domain, then `authorizer` decides), present no certificate
 * (go-spiffe's `tlsconfig.TLSClientConfig`).
 *
 * @param bundleSource The bundles to trust (an X509Source, BundleSource, bundle, set, or
 * any object with `getX509BundleForTrustDomain`).
 * @param authorizer Decides on the server's SPIFFE ID.
 * @returns The config.
 * @throws {TypeError} Without an authorizer or a bundle source.
 *
 * @example
 * ```ts
 * import { authorizeId, TrustDomain, tlsClientConfig, X509Bundle } from "@spiffe-ts/spiffe";
 *
 * const bundle = new X509Bundle(TrustDomain.parse("example.org"));
 * const config = tlsClientConfig(bundle, authorizeId("spiffe://example.org/server"));
 * ```
 */
export function tlsClientConfig(
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeClientConfig {
  requireAuthorizer(authorizer);
  requireBundleSource("tlsClientConfig", bundleSource);
  return Object.freeze({ side: "client", kind: "tls", bundleSource, authorizer });
}

/**
 * A mutual TLS client config: present the current X509-SVID and authenticate the server
 * by SPIFFE (go-spiffe's `tlsconfig.MTLSClientConfig`).
 *
 * @param svidSource Where the client's SVID comes from (an X509Source or an X509Svid).
 * @param bundleSource The bundles to trust for the server.
 * @param authorizer Decides on the server's SPIFFE ID.
 * @returns The config.
 * @throws {TypeError} Without an authorizer or a source.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, mtlsClientConfig, X509Source } from "@spiffe-ts/spiffe";
 *
 * const source = await X509Source.create();
 * const config = mtlsClientConfig(source, source, authorizeId("spiffe://example.org/server"));
 * ```
 */
export function mtlsClientConfig(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeClientConfig {
  requireAuthorizer(authorizer);
  requireSvidSource("mtlsClientConfig", svidSource);
  requireBundleSource("mtlsClientConfig", bundleSource);
  return Object.freeze({ side: "client", kind: "mtls", svidSource, bundleSource, authorizer });
}

/**
 * A client config that presents the X509-SVID and authenticates the server the Web PKI
 * way, by `roots` and host name (go-spiffe's `tlsconfig.MTLSWebClientConfig`).
 *
 * @param svidSource Where the client's SVID comes from.
 * @param roots PEM certificates to trust for the server; Node's built-in Web PKI roots
 * when omitted (this kind authenticates a web server, not a SPIFFE peer).
 * @returns The config.
 * @throws {TypeError} Without an SVID source.
 *
 * @example
 * ```ts ignore
 * import { mtlsWebClientConfig, X509Source } from "@spiffe-ts/spiffe";
 *
 * const source = await X509Source.create();
 * const config = mtlsWebClientConfig(source);
 * ```
 */
export function mtlsWebClientConfig(
  svidSource: X509SvidSource,
  roots?: readonly string[],
): SpiffeClientConfig {
  requireSvidSource("mtlsWebClientConfig", svidSource);
  return Object.freeze({
    side: "client",
    kind: "mtls-web",
    svidSource,
    // The caller's array itself: contexts are cached by its identity.
    ...(roots === undefined ? {} : { roots }),
  });
}

/**
 * A TLS server config: present the current X509-SVID, ask no client certificate
 * (go-spiffe's `tlsconfig.TLSServerConfig`).
 *
 * @param svidSource Where the server's SVID comes from (an X509Source or an X509Svid).
 * @returns The config.
 * @throws {TypeError} Without an SVID source.
 *
 * @example
 * ```ts ignore
 * import { tlsServerConfig, X509Source } from "@spiffe-ts/spiffe";
 *
 * const source = await X509Source.create();
 * const config = tlsServerConfig(source);
 * ```
 */
export function tlsServerConfig(svidSource: X509SvidSource): SpiffeServerConfig {
  requireSvidSource("tlsServerConfig", svidSource);
  return Object.freeze({ side: "server", kind: "tls", svidSource });
}

/**
 * A mutual TLS server config: present the current X509-SVID, require a client X509-SVID
 * that anchors in the bundle of its own trust domain, and authorize its ID (go-spiffe's
 * `tlsconfig.MTLSServerConfig`).
 *
 * @param svidSource Where the server's SVID comes from.
 * @param bundleSource The bundles to trust for clients.
 * @param authorizer Decides on the client's SPIFFE ID.
 * @returns The config.
 * @throws {TypeError} Without an authorizer or a source.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, mtlsServerConfig, X509Source } from "@spiffe-ts/spiffe";
 *
 * const source = await X509Source.create();
 * const config = mtlsServerConfig(source, source, authorizeId("spiffe://example.org/client"));
 * ```
 */
export function mtlsServerConfig(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeServerConfig {
  requireAuthorizer(authorizer);
  requireSvidSource("mtlsServerConfig", svidSource);
  requireBundleSource("mtlsServerConfig", bundleSource);
  return Object.freeze({ side: "server", kind: "mtls", svidSource, bundleSource, authorizer });
}

/**
 * A server config that presents a Web PKI certificate and requires a SPIFFE client
 * certificate (go-spiffe's `tlsconfig.MTLSWebServerConfig`).
 *
 * @param certificate The server's web certificate chain and key, in PEM.
 * @param bundleSource The bundles to trust for clients.
 * @param authorizer Decides on the client's SPIFFE ID.
 * @returns The config.
 * @throws {TypeError} Without an authorizer, a bundle source or a certificate.
 *
 * @example
 * ```ts ignore
 * import { authorizeMemberOf, mtlsWebServerConfig, type BundleSource } from "@spiffe-ts/spiffe";
 *
 * declare const bundles: BundleSource, cert: string, key: string;
 * const config = mtlsWebServerConfig({ cert, key }, bundles, authorizeMemberOf("example.org"));
 * ```
 */
export function mtlsWebServerConfig(
  certificate: WebCertificate,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeServerConfig {
  requireAuthorizer(authorizer);
  if (typeof certificate?.cert !== "string" || typeof certificate?.key !== "string") {
    throw new TypeError("mtlsWebServerConfig: certificate must be { cert, key } in PEM");
  }
  requireBundleSource("mtlsWebServerConfig", bundleSource);
  return Object.freeze({
    side: "server",
    kind: "mtls-web",
    // The caller's object itself: contexts are cached by its identity.
    certificate,
    bundleSource,
    authorizer,
  });
}
