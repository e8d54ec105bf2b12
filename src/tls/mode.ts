// The six go-spiffe `spiffetls` modes as one discriminated union; the named constructors
// below are one-line sugar over it, so options are handled in one place (dial/listen).
import type { X509BundleSource } from "../bundle/source.ts";
import type { X509SvidSource } from "../svid/x509_svid.ts";
import type { X509SourceOptions } from "../workloadapi/x509_source.ts";
import { type Authorizer, requireAuthorizer } from "./authorizer.ts";
import type { WebCertificate } from "./config.ts";

/** Checks a mode's authorizer at construction, then returns the mode. */
function withAuthorizer<M extends (ClientMode | ServerMode) & { authorizer: Authorizer }>(
  mode: M,
): M {
  requireAuthorizer(mode.authorizer);
  return mode;
}

/** A source of both an X509-SVID and X.509 bundles, such as an `X509Source`. */
export type X509SvidAndBundleSource = X509SvidSource & X509BundleSource;

/**
 * Where a mode gets its SVID and bundles: a source it makes from the Workload API
 * (`sourceOptions`, closed with the connection or server), a given source, or raw ones.
 */
export interface ModeSources {
  /** Options of the X509Source the mode makes (from `SPIFFE_ENDPOINT_SOCKET` when empty). */
  sourceOptions?: X509SourceOptions;
  /** A source to use; it is not closed with the connection or server. */
  source?: X509SvidAndBundleSource;
  /** A raw SVID source (…WithRawConfig). */
  svidSource?: X509SvidSource;
  /** A raw bundle source (…WithRawConfig). */
  bundleSource?: X509BundleSource;
}

/** How `dialWithMode` authenticates: go-spiffe's client modes. */
export type ClientMode =
  & ModeSources
  & (
    | { side: "client"; kind: "tls"; authorizer: Authorizer }
    | { side: "client"; kind: "mtls"; authorizer: Authorizer }
    | { side: "client"; kind: "mtls-web"; roots?: string[] }
  );

/** How `listenWithMode` authenticates: go-spiffe's server modes. */
export type ServerMode =
  & ModeSources
  & (
    | { side: "server"; kind: "tls" }
    | { side: "server"; kind: "mtls"; authorizer: Authorizer }
    | { side: "server"; kind: "mtls-web"; authorizer: Authorizer; certificate: WebCertificate }
  );

/**
 * TLS client mode: authenticate the server by SPIFFE, present no certificate; the source
 * comes from the Workload API at `SPIFFE_ENDPOINT_SOCKET`.
 *
 * @param authorizer Decides on the server's ID.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { authorizeId, tlsClient } from "@spiffe-ts/spiffe";
 *
 * const mode = tlsClient(authorizeId("spiffe://example.org/server"));
 * ```
 */
export const tlsClient = (authorizer: Authorizer): ClientMode =>
  withAuthorizer({
    side: "client",
    kind: "tls",
    authorizer,
  });

/**
 * TLS client mode with the given bundle source.
 *
 * @param authorizer Decides on the server's ID.
 * @param source The source of bundles (an X509Source).
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, tlsClientWithSource, type X509Source } from "@spiffe-ts/spiffe";
 *
 * declare const source: X509Source;
 * const mode = tlsClientWithSource(authorizeId("spiffe://example.org/server"), source);
 * ```
 */
export const tlsClientWithSource = (
  authorizer: Authorizer,
  source: X509BundleSource,
): ClientMode => withAuthorizer({ side: "client", kind: "tls", authorizer, bundleSource: source });

/**
 * TLS client mode with a source made from these options.
 *
 * @param authorizer Decides on the server's ID.
 * @param sourceOptions Options of the X509Source to make.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { authorizeId, tlsClientWithSourceOptions } from "@spiffe-ts/spiffe";
 *
 * const mode = tlsClientWithSourceOptions(authorizeId("spiffe://example.org/server"), {
 *   address: "unix:///tmp/agent.sock",
 * });
 * ```
 */
export const tlsClientWithSourceOptions = (
  authorizer: Authorizer,
  sourceOptions: X509SourceOptions,
): ClientMode => withAuthorizer({ side: "client", kind: "tls", authorizer, sourceOptions });

/**
 * TLS client mode with a raw bundle source (a bundle or set).
 *
 * @param authorizer Decides on the server's ID.
 * @param bundleSource The bundles.
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeAny, tlsClientWithRawConfig, type X509Bundle } from "@spiffe-ts/spiffe";
 *
 * declare const bundle: X509Bundle;
 * const mode = tlsClientWithRawConfig(authorizeAny(), bundle);
 * ```
 */
export const tlsClientWithRawConfig = (
  authorizer: Authorizer,
  bundleSource: X509BundleSource,
): ClientMode => withAuthorizer({ side: "client", kind: "tls", authorizer, bundleSource });

/**
 * Mutual TLS client mode: present the SVID, authenticate the server by SPIFFE; the
 * source comes from the Workload API at `SPIFFE_ENDPOINT_SOCKET`.
 *
 * @param authorizer Decides on the server's ID.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { authorizeId, mtlsClient } from "@spiffe-ts/spiffe";
 *
 * const mode = mtlsClient(authorizeId("spiffe://example.org/server"));
 * ```
 */
export const mtlsClient = (authorizer: Authorizer): ClientMode =>
  withAuthorizer({
    side: "client",
    kind: "mtls",
    authorizer,
  });

/**
 * Mutual TLS client mode with the given source.
 *
 * @param authorizer Decides on the server's ID.
 * @param source The SVID and bundle source (an X509Source).
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, mtlsClientWithSource, type X509Source } from "@spiffe-ts/spiffe";
 *
 * declare const source: X509Source;
 * const mode = mtlsClientWithSource(authorizeId("spiffe://example.org/server"), source);
 * ```
 */
export const mtlsClientWithSource = (
  authorizer: Authorizer,
  source: X509SvidAndBundleSource,
): ClientMode => withAuthorizer({ side: "client", kind: "mtls", authorizer, source });

/**
 * Mutual TLS client mode with a source made from these options.
 *
 * @param authorizer Decides on the server's ID.
 * @param sourceOptions Options of the X509Source to make.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { authorizeId, mtlsClientWithSourceOptions } from "@spiffe-ts/spiffe";
 *
 * const mode = mtlsClientWithSourceOptions(authorizeId("spiffe://example.org/server"), {
 *   address: "unix:///tmp/agent.sock",
 * });
 * ```
 */
export const mtlsClientWithSourceOptions = (
  authorizer: Authorizer,
  sourceOptions: X509SourceOptions,
): ClientMode => withAuthorizer({ side: "client", kind: "mtls", authorizer, sourceOptions });

/**
 * Mutual TLS client mode with raw SVID and bundle sources.
 *
 * @param authorizer Decides on the server's ID.
 * @param svidSource The SVID (an X509Svid or any SVID source).
 * @param bundleSource The bundles.
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeAny, mtlsClientWithRawConfig, type X509Bundle, type X509Svid } from "@spiffe-ts/spiffe";
 *
 * declare const svid: X509Svid, bundle: X509Bundle;
 * const mode = mtlsClientWithRawConfig(authorizeAny(), svid, bundle);
 * ```
 */
export const mtlsClientWithRawConfig = (
  authorizer: Authorizer,
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
): ClientMode =>
  withAuthorizer({ side: "client", kind: "mtls", authorizer, svidSource, bundleSource });

/**
 * Mutual TLS client mode against a Web PKI server: present the SVID, authenticate the
 * server by `roots` (or Node's Web PKI roots) and its host name.
 *
 * @param roots PEM root certificates for the server.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { mtlsWebClient } from "@spiffe-ts/spiffe";
 *
 * const mode = mtlsWebClient();
 * ```
 */
export const mtlsWebClient = (roots?: string[]): ClientMode => ({
  side: "client",
  kind: "mtls-web",
  roots,
});

/**
 * Mutual TLS web client mode with the given SVID source.
 *
 * @param roots PEM root certificates for the server (Web PKI roots when undefined).
 * @param source The SVID and bundle source.
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { mtlsWebClientWithSource, type X509Source } from "@spiffe-ts/spiffe";
 *
 * declare const source: X509Source, rootPem: string;
 * const mode = mtlsWebClientWithSource([rootPem], source);
 * ```
 */
export const mtlsWebClientWithSource = (
  roots: string[] | undefined,
  source: X509SvidAndBundleSource,
): ClientMode => ({ side: "client", kind: "mtls-web", roots, source });

/**
 * Mutual TLS web client mode with a source made from these options.
 *
 * @param roots PEM root certificates for the server (Web PKI roots when undefined).
 * @param sourceOptions Options of the X509Source to make.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { mtlsWebClientWithSourceOptions } from "@spiffe-ts/spiffe";
 *
 * const mode = mtlsWebClientWithSourceOptions(undefined, { address: "unix:///tmp/agent.sock" });
 * ```
 */
export const mtlsWebClientWithSourceOptions = (
  roots: string[] | undefined,
  sourceOptions: X509SourceOptions,
): ClientMode => ({ side: "client", kind: "mtls-web", roots, sourceOptions });

/**
 * Mutual TLS web client mode with a raw SVID source.
 *
 * @param roots PEM root certificates for the server (Web PKI roots when undefined).
 * @param svidSource The SVID.
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { mtlsWebClientWithRawConfig, type X509Svid } from "@spiffe-ts/spiffe";
 *
 * declare const svid: X509Svid, rootPem: string;
 * const mode = mtlsWebClientWithRawConfig([rootPem], svid);
 * ```
 */
export const mtlsWebClientWithRawConfig = (
  roots: string[] | undefined,
  svidSource: X509SvidSource,
): ClientMode => ({ side: "client", kind: "mtls-web", roots, svidSource });

/**
 * TLS server mode: present the SVID, ask no client certificate; the source comes from
 * the Workload API at `SPIFFE_ENDPOINT_SOCKET`.
 *
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { tlsServer } from "@spiffe-ts/spiffe";
 *
 * const mode = tlsServer();
 * ```
 */
export const tlsServer = (): ServerMode => ({ side: "server", kind: "tls" });

/**
 * TLS server mode with the given SVID source.
 *
 * @param source The SVID source (an X509Source).
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { tlsServerWithSource, type X509Source } from "@spiffe-ts/spiffe";
 *
 * declare const source: X509Source;
 * const mode = tlsServerWithSource(source);
 * ```
 */
export const tlsServerWithSource = (source: X509SvidAndBundleSource): ServerMode => ({
  side: "server",
  kind: "tls",
  source,
});

/**
 * TLS server mode with a source made from these options.
 *
 * @param sourceOptions Options of the X509Source to make.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { tlsServerWithSourceOptions } from "@spiffe-ts/spiffe";
 *
 * const mode = tlsServerWithSourceOptions({ address: "unix:///tmp/agent.sock" });
 * ```
 */
export const tlsServerWithSourceOptions = (sourceOptions: X509SourceOptions): ServerMode => ({
  side: "server",
  kind: "tls",
  sourceOptions,
});

/**
 * TLS server mode with a raw SVID source.
 *
 * @param svidSource The SVID.
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { tlsServerWithRawConfig, type X509Svid } from "@spiffe-ts/spiffe";
 *
 * declare const svid: X509Svid;
 * const mode = tlsServerWithRawConfig(svid);
 * ```
 */
export const tlsServerWithRawConfig = (svidSource: X509SvidSource): ServerMode => ({
  side: "server",
  kind: "tls",
  svidSource,
});

/**
 * Mutual TLS server mode: present the SVID, require and authorize a SPIFFE client; the
 * source comes from the Workload API at `SPIFFE_ENDPOINT_SOCKET`.
 *
 * @param authorizer Decides on the client's ID.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { authorizeId, mtlsServer } from "@spiffe-ts/spiffe";
 *
 * const mode = mtlsServer(authorizeId("spiffe://example.org/client"));
 * ```
 */
export const mtlsServer = (authorizer: Authorizer): ServerMode =>
  withAuthorizer({
    side: "server",
    kind: "mtls",
    authorizer,
  });

/**
 * Mutual TLS server mode with the given source.
 *
 * @param authorizer Decides on the client's ID.
 * @param source The SVID and bundle source (an X509Source).
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, mtlsServerWithSource, type X509Source } from "@spiffe-ts/spiffe";
 *
 * declare const source: X509Source;
 * const mode = mtlsServerWithSource(authorizeId("spiffe://example.org/client"), source);
 * ```
 */
export const mtlsServerWithSource = (
  authorizer: Authorizer,
  source: X509SvidAndBundleSource,
): ServerMode => withAuthorizer({ side: "server", kind: "mtls", authorizer, source });

/**
 * Mutual TLS server mode with a source made from these options.
 *
 * @param authorizer Decides on the client's ID.
 * @param sourceOptions Options of the X509Source to make.
 * @returns The mode.
 *
 * @example
 * ```ts
 * import { authorizeId, mtlsServerWithSourceOptions } from "@spiffe-ts/spiffe";
 *
 * const mode = mtlsServerWithSourceOptions(authorizeId("spiffe://example.org/client"), {
 *   address: "unix:///tmp/agent.sock",
 * });
 * ```
 */
export const mtlsServerWithSourceOptions = (
  authorizer: Authorizer,
  sourceOptions: X509SourceOptions,
): ServerMode => withAuthorizer({ side: "server", kind: "mtls", authorizer, sourceOptions });

/**
 * Mutual TLS server mode with raw SVID and bundle sources.
 *
 * @param authorizer Decides on the client's ID.
 * @param svidSource The SVID.
 * @param bundleSource The bundles.
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeAny, mtlsServerWithRawConfig, type X509Bundle, type X509Svid } from "@spiffe-ts/spiffe";
 *
 * declare const svid: X509Svid, bundle: X509Bundle;
 * const mode = mtlsServerWithRawConfig(authorizeAny(), svid, bundle);
 * ```
 */
export const mtlsServerWithRawConfig = (
  authorizer: Authorizer,
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
): ServerMode =>
  withAuthorizer({ side: "server", kind: "mtls", authorizer, svidSource, bundleSource });

/**
 * Mutual TLS web server mode: present a web certificate, require and authorize a SPIFFE
 * client; the bundles come from the Workload API at `SPIFFE_ENDPOINT_SOCKET`.
 *
 * @param authorizer Decides on the client's ID.
 * @param certificate The server's web certificate and key (PEM).
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeMemberOf, mtlsWebServer } from "@spiffe-ts/spiffe";
 *
 * declare const cert: string, key: string;
 * const mode = mtlsWebServer(authorizeMemberOf("example.org"), { cert, key });
 * ```
 */
export const mtlsWebServer = (
  authorizer: Authorizer,
  certificate: WebCertificate,
): ServerMode => withAuthorizer({ side: "server", kind: "mtls-web", authorizer, certificate });

/**
 * Mutual TLS web server mode with the given bundle source.
 *
 * @param authorizer Decides on the client's ID.
 * @param certificate The server's web certificate and key (PEM).
 * @param source The bundle source (an X509Source).
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeAny, mtlsWebServerWithSource, type X509Source } from "@spiffe-ts/spiffe";
 *
 * declare const source: X509Source, cert: string, key: string;
 * const mode = mtlsWebServerWithSource(authorizeAny(), { cert, key }, source);
 * ```
 */
export const mtlsWebServerWithSource = (
  authorizer: Authorizer,
  certificate: WebCertificate,
  source: X509BundleSource,
): ServerMode =>
  withAuthorizer({
    side: "server",
    kind: "mtls-web",
    authorizer,
    certificate,
    bundleSource: source,
  });

/**
 * Mutual TLS web server mode with a source made from these options.
 *
 * @param authorizer Decides on the client's ID.
 * @param certificate The server's web certificate and key (PEM).
 * @param sourceOptions Options of the X509Source to make.
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeAny, mtlsWebServerWithSourceOptions } from "@spiffe-ts/spiffe";
 *
 * declare const cert: string, key: string;
 * const mode = mtlsWebServerWithSourceOptions(authorizeAny(), { cert, key }, {});
 * ```
 */
export const mtlsWebServerWithSourceOptions = (
  authorizer: Authorizer,
  certificate: WebCertificate,
  sourceOptions: X509SourceOptions,
): ServerMode =>
  withAuthorizer({ side: "server", kind: "mtls-web", authorizer, certificate, sourceOptions });

/**
 * Mutual TLS web server mode with a raw bundle source.
 *
 * @param authorizer Decides on the client's ID.
 * @param certificate The server's web certificate and key (PEM).
 * @param bundleSource The bundles.
 * @returns The mode.
 *
 * @example
 * ```ts ignore
 * import { authorizeAny, mtlsWebServerWithRawConfig, type X509Bundle } from "@spiffe-ts/spiffe";
 *
 * declare const bundle: X509Bundle, cert: string, key: string;
 * const mode = mtlsWebServerWithRawConfig(authorizeAny(), { cert, key }, bundle);
 * ```
 */
export const mtlsWebServerWithRawConfig = (
  authorizer: Authorizer,
  certificate: WebCertificate,
  bundleSource: X509BundleSource,
): ServerMode =>
  withAuthorizer({ side: "server", kind: "mtls-web", authorizer, certificate, bundleSource });
