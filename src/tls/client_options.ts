// The client option builders for plain node:tls consumers (`https.request`, an
// `https.Agent`, undici's `connect` options): `clientConnectionOptions` of a config, plus
// what such pools need and dial does not (a pool key, session resumption off).
import type { ConnectionOptions } from "node:tls";
import type { X509BundleSource } from "../bundle/source.ts";
import type { X509SvidSource } from "../svid/x509_svid.ts";
import type { Authorizer } from "./authorizer.ts";
import { objectId } from "../_internal/object_id.ts";
import {
  mtlsClientConfig,
  mtlsWebClientConfig,
  type SpiffeClientConfig,
  tlsClientConfig,
} from "./config.ts";
import { clientConnectionOptions } from "./connection_options.ts";

/**
 * Session resumption off for the pools that would resume: node:tls skips
 * `checkServerIdentity` (our SPIFFE check) on a resumed session, so a server whose SVID
 * expired or whose ID is no longer authorized would stay trusted. `session: undefined`
 * wins over the session an `https.Agent` offers (it spreads the request options after
 * it), and `maxCachedSessions: 0` turns off the cache of an `https.Agent` or an undici
 * connector built from these options.
 */
const NO_RESUMPTION = { session: undefined, maxCachedSessions: 0 };

/**
 * A pool key for `https.Agent`: the agent reuses a kept-alive connection only for options
 * with the same `sessionIdContext` (ignored by clients otherwise), so a connection
 * checked with one SVID, bundle source and authorizer is never reused for another.
 */
function poolKey(...parts: object[]): { sessionIdContext: string } {
  return { sessionIdContext: `spiffe-ts-${parts.map(objectId).join("-")}` };
}

/** The options of a SPIFFE client config for agents and other plain consumers. */
function agentOptions(config: SpiffeClientConfig): ConnectionOptions {
  const options = clientConnectionOptions(config);
  if (config.kind === "mtls-web") return options;
  return {
    ...options,
    ...poolKey(
      ...(config.kind === "mtls" ? [config.svidSource] : []),
      config.bundleSource,
      config.authorizer,
    ),
    ...NO_RESUMPTION,
  };
}

/**
 * `node:tls` client options that authenticate the server by SPIFFE and present no client
 * certificate (go-spiffe's `tlsconfig.TLSClientConfig`). The server's chain must anchor in
 * the bundle of its own trust domain and pass `authorizer`; the system roots are never
 * used and the hostname check is replaced by these checks. Build the options per dial:
 * they hold the current bundles (the secure context is cached per bundle state).
 * Session resumption is off (`session: undefined`, `maxCachedSessions: 0` for an
 * `https.Agent` or undici connector): node:tls would skip the SPIFFE check on a resumed
 * session. TLS renegotiation is refused.
 *
 * @param bundleSource The bundles to trust (an X509Source, BundleSource, bundle or set).
 * @param authorizer Decides on the server's SPIFFE ID.
 * @returns Options for `tls.connect`, `https.request` or an undici `Agent`'s `connect`.
 * @throws {TypeError} Without an authorizer, or when the bundle source cannot list its
 * bundles (`X509BundleSource.getX509Bundles`; see `clientConnectionOptions`).
 *
 * @example
 * ```ts ignore
 * import { authorizeId, tlsClientOptions, type BundleSource } from "@spiffe-ts/spiffe";
 * import tls from "node:tls";
 *
 * declare const bundles: BundleSource;
 * const socket = tls.connect({
 *   host: "localhost",
 *   port: 8443,
 *   ...tlsClientOptions(bundles, authorizeId("spiffe://example.org/server")),
 * });
 * ```
 */
export function tlsClientOptions(
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): ConnectionOptions {
  return agentOptions(tlsClientConfig(bundleSource, authorizer));
}

/**
 * `node:tls` client options for SPIFFE mutual TLS (go-spiffe's
 * `tlsconfig.MTLSClientConfig`): present the current X509-SVID, authenticate the server
 * by SPIFFE (per-trust-domain bundle, then `authorizer`), never the system roots.
 * Session resumption is off and renegotiation refused, as for
 * {@linkcode tlsClientOptions}.
 *
 * @param svidSource Where the client's SVID comes from (an X509Source or an X509Svid).
 * @param bundleSource The bundles to trust.
 * @param authorizer Decides on the server's SPIFFE ID.
 * @returns Options for `tls.connect`, `https.request` or an undici `Agent`'s `connect`.
 * @throws {TypeError} Without an authorizer, or when the bundle source cannot list its
 * bundles (`X509BundleSource.getX509Bundles`; see `clientConnectionOptions`).
 *
 * @example
 * ```ts ignore
 * import { authorizeId, mtlsClientOptions, X509Source } from "@spiffe-ts/spiffe";
 * import https from "node:https";
 *
 * const source = await X509Source.create();
 * https.get("https://localhost:8443/", {
 *   ...mtlsClientOptions(source, source, authorizeId("spiffe://example.org/server")),
 *   agent: false,
 * });
 * ```
 */
export function mtlsClientOptions(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): ConnectionOptions {
  return agentOptions(mtlsClientConfig(svidSource, bundleSource, authorizer));
}

/**
 * `node:tls` client options that present the X509-SVID and authenticate the server the
 * Web PKI way (go-spiffe's `tlsconfig.MTLSWebClientConfig`): the server's certificate
 * must chain to `roots` and match the host name.
 *
 * @param svidSource Where the client's SVID comes from.
 * @param roots PEM certificates to trust for the server. When omitted, Node's built-in
 * Web PKI roots are used: this mode authenticates a web server, not a SPIFFE peer.
 * @returns Options for `tls.connect`, `https.request` or an undici `Agent`'s `connect`.
 *
 * @example
 * ```ts ignore
 * import { mtlsWebClientOptions, X509Source } from "@spiffe-ts/spiffe";
 *
 * declare const webRootPem: string;
 * const source = await X509Source.create();
 * const options = mtlsWebClientOptions(source, [webRootPem]);
 * ```
 */
export function mtlsWebClientOptions(
  svidSource: X509SvidSource,
  roots?: string[],
): ConnectionOptions {
  return agentOptions(mtlsWebClientConfig(svidSource, roots));
}
