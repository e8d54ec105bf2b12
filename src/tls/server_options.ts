// The server option builders of the first API, kept as thin layers over the configs and
// spiffeServer. Their options carry no credentials: a server built from them cannot
// complete a handshake until it is bound, and its `SNICallback` refuses each client with
// an error that names the missing step (Deno calls it for every client; Node only for one
// that sends a server name, and otherwise refuses the client for want of a certificate).
import type { SecureContext, Server, TlsOptions } from "node:tls";
import type { X509BundleSource } from "../bundle/source.ts";
import type { X509SvidSource } from "../svid/x509_svid.ts";
import type { Authorizer } from "./authorizer.ts";
import {
  mtlsServerConfig,
  mtlsWebServerConfig,
  type SpiffeServerConfig,
  tlsServerConfig,
  type WebCertificate,
} from "./config.ts";
import { spiffeServer } from "./spiffe_server.ts";
import { currentSvid } from "./_credentials.ts";
import {
  SPIFFE_SECURE_OPTIONS,
  spiffeContextOptions,
  withoutRefusedFields,
} from "./_tls_options.ts";

export type { WebCertificate } from "./config.ts";

/**
 * `node:tls` server options made by the deprecated server option builders: no credentials,
 * and an `SNICallback` that refuses every client until {@linkcode bindSpiffeServer} binds the
 * server.
 *
 * @deprecated Build the server without TLS options and bind it with `spiffeServer(server,
 * config)`.
 */
export type SpiffeServerOptions = TlsOptions;

/** The message a server built from these options gives until it is bound. */
export const UNBOUND_MESSAGE =
  "spiffe-ts: server options used without spiffeServer(...) (or bindSpiffeServer): the server presents no certificate and accepts no client until it is bound";

type SniCallback = (
  servername: string,
  callback: (err: Error | null, ctx?: SecureContext) => void,
) => void;

/** The config behind each options object, by its `SNICallback` (the one field a spread keeps that is ours). */
const configs = new WeakMap<SniCallback, SpiffeServerConfig>();

function unboundOptions(config: SpiffeServerConfig): SpiffeServerOptions {
  // As before the options carried the SVID: an expired one is refused at once.
  if (config.kind !== "mtls-web") currentSvid(config.svidSource);
  const refuse: SniCallback = (_servername, callback) => callback(new TypeError(UNBOUND_MESSAGE));
  configs.set(refuse, config);
  return {
    SNICallback: refuse,
    ...spiffeContextOptions({}),
    // Fail closed on every path: no certificate, no roots, client certificates required.
    ...(config.kind === "tls" ? {} : { requestCert: true, rejectUnauthorized: true, ca: [] }),
  };
}

/**
 * `node:tls` server options for a server that presents the X509-SVID and asks for no client
 * certificate (go-spiffe's `tlsconfig.TLSServerConfig`). Pass them to `tls.createServer`,
 * `https.createServer` or `http2.createSecureServer`, then call
 * {@linkcode bindSpiffeServer}: the options hold no certificate, so an unbound server
 * accepts nobody.
 *
 * @deprecated Use `spiffeServer(server, tlsServerConfig(svidSource))`.
 * @param svidSource Where the server's SVID comes from (an X509Source or an X509Svid).
 * @returns The options.
 * @throws {X509SvidError} When the source's SVID has expired.
 *
 * @example
 * ```ts ignore
 * import { bindSpiffeServer, tlsServerOptions, X509Source } from "@spiffe-ts/spiffe";
 * import https from "node:https";
 *
 * const source = await X509Source.create();
 * const options = tlsServerOptions(source);
 * const server = bindSpiffeServer(https.createServer(options, (_req, res) => res.end("hi")), options);
 * server.listen(8443);
 * ```
 */
export function tlsServerOptions(svidSource: X509SvidSource): SpiffeServerOptions {
  return unboundOptions(tlsServerConfig(svidSource));
}

/**
 * `node:tls` server options for SPIFFE mutual TLS (go-spiffe's
 * `tlsconfig.MTLSServerConfig`), to bind with {@linkcode bindSpiffeServer}; until then the
 * server accepts no client at all (it fails closed, naming the missing step).
 *
 * @deprecated Use `spiffeServer(server, mtlsServerConfig(svidSource, bundleSource,
 * authorizer))`.
 * @param svidSource Where the server's SVID comes from.
 * @param bundleSource The bundles to trust for clients.
 * @param authorizer Decides on the client's SPIFFE ID.
 * @returns The options.
 * @throws {TypeError} Without an authorizer.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, bindSpiffeServer, mtlsServerOptions, X509Source } from "@spiffe-ts/spiffe";
 * import tls from "node:tls";
 *
 * const source = await X509Source.create();
 * const options = mtlsServerOptions(source, source, authorizeId("spiffe://example.org/client"));
 * const server = bindSpiffeServer(tls.createServer(options, (socket) => socket.end("hi\n")), options);
 * server.listen(55555);
 * ```
 */
export function mtlsServerOptions(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeServerOptions {
  return unboundOptions(mtlsServerConfig(svidSource, bundleSource, authorizer));
}

/**
 * `node:tls` server options that present a Web PKI certificate and require a SPIFFE
 * client certificate (go-spiffe's `tlsconfig.MTLSWebServerConfig`), to bind with
 * {@linkcode bindSpiffeServer}, as for {@linkcode mtlsServerOptions}.
 *
 * @deprecated Use `spiffeServer(server, mtlsWebServerConfig(certificate, bundleSource,
 * authorizer))`.
 * @param certificate The server's web certificate chain and key, in PEM.
 * @param bundleSource The bundles to trust for clients.
 * @param authorizer Decides on the client's SPIFFE ID.
 * @returns The options.
 * @throws {TypeError} Without an authorizer.
 *
 * @example
 * ```ts ignore
 * import { authorizeMemberOf, mtlsWebServerOptions, type BundleSource } from "@spiffe-ts/spiffe";
 *
 * declare const bundles: BundleSource, certPem: string, keyPem: string;
 * const options = mtlsWebServerOptions({ cert: certPem, key: keyPem }, bundles, authorizeMemberOf("example.org"));
 * ```
 */
export function mtlsWebServerOptions(
  certificate: WebCertificate,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeServerOptions {
  return unboundOptions(mtlsWebServerConfig(certificate, bundleSource, authorizer));
}

/**
 * Binds a server built from the deprecated option builders' `options` (spread copies
 * included): `spiffeServer(server, config)` with the config the builder made, keeping the
 * context fields (`maxVersion`, `ciphers`...), `handshakeTimeout` and other plain TLS
 * options spread into `options`.
 *
 * @deprecated Use `spiffeServer(server, config)` with a config from `tlsServerConfig`,
 * `mtlsServerConfig` or `mtlsWebServerConfig`.
 * @param server The server created with `options`.
 * @param options The options from a spiffe-ts server builder.
 * @returns The same server.
 * @throws {TypeError} When `options` were not made by spiffe-ts.
 *
 * @example
 * ```ts ignore
 * import { authorizeAny, bindSpiffeServer, mtlsServerOptions, type X509Source } from "@spiffe-ts/spiffe";
 * import tls from "node:tls";
 *
 * declare const source: X509Source;
 * const options = mtlsServerOptions(source, source, authorizeAny());
 * const server = bindSpiffeServer(tls.createServer(options), options);
 * server.on("tlsClientError", (err) => console.log(`refused: ${err.message}`));
 * ```
 */
export function bindSpiffeServer<S extends Server>(server: S, options: SpiffeServerOptions): S {
  const config = configs.get(options?.SNICallback as SniCallback);
  if (config === undefined) throw new TypeError("the options were not made by a spiffe-ts builder");
  const { handshakeTimeout, ...rest } = withoutRefusedFields(options, "server");
  // The builder's own renegotiation refusal is not a caller's choice (Deno refuses the
  // field); spiffeServer sets it anyway.
  if (rest.secureOptions === SPIFFE_SECURE_OPTIONS) delete rest.secureOptions;
  return spiffeServer(server, config, { handshakeTimeout, tlsOptions: rest });
}
