/**
 * SPIFFE mutual TLS on `node:tls` (go-spiffe's `spiffetls` and `spiffetls/tlsconfig`):
 * authorizers; the building blocks (configs, `clientConnectionOptions` and
 * `serverContextOptions` from live sources, `verifyPeer`, `spiffeConnect`, `spiffeServer`)
 * for your own servers, clients and integrations; and dial/listen with go-spiffe's modes,
 * thin layers over them.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, dialWithMode, mtlsClientWithSource, X509Source } from "@spiffe-ts/spiffe";
 *
 * const source = await X509Source.create();
 * const socket = await dialWithMode(
 *   { hostname: "localhost", port: 55555 },
 *   mtlsClientWithSource(authorizeId("spiffe://example.org/server"), source),
 * );
 * ```
 *
 * @module
 */
export {
  authorizeAllOf,
  authorizeAny,
  authorizeAnyOf,
  authorizeId,
  authorizeIdPrefix,
  authorizeMatches,
  authorizeMemberOf,
  authorizeOneOf,
  type Authorizer,
} from "./authorizer.ts";
export { mtlsClientOptions, mtlsWebClientOptions, tlsClientOptions } from "./client_options.ts";
export {
  bindSpiffeServer,
  mtlsServerOptions,
  mtlsWebServerOptions,
  type SpiffeServerOptions,
  tlsServerOptions,
} from "./server_options.ts";
export {
  mtlsClientConfig,
  mtlsServerConfig,
  mtlsWebClientConfig,
  mtlsWebServerConfig,
  type SpiffeClientConfig,
  type SpiffeServerConfig,
  tlsClientConfig,
  tlsServerConfig,
  type WebCertificate,
} from "./config.ts";
export {
  clientConnectionOptions,
  type ServerContextOptions,
  serverContextOptions,
} from "./connection_options.ts";
export { spiffeServer, type SpiffeServerBindOptions } from "./spiffe_server.ts";
export { spiffeConnect } from "./spiffe_connect.ts";
export { peerIdFromSocket, verifyPeer } from "./peer.ts";
export {
  type ClientMode,
  type ModeSources,
  mtlsClient,
  mtlsClientWithRawConfig,
  mtlsClientWithSource,
  mtlsClientWithSourceOptions,
  mtlsServer,
  mtlsServerWithRawConfig,
  mtlsServerWithSource,
  mtlsServerWithSourceOptions,
  mtlsWebClient,
  mtlsWebClientWithRawConfig,
  mtlsWebClientWithSource,
  mtlsWebClientWithSourceOptions,
  mtlsWebServer,
  mtlsWebServerWithRawConfig,
  mtlsWebServerWithSource,
  mtlsWebServerWithSourceOptions,
  type ServerMode,
  tlsClient,
  tlsClientWithRawConfig,
  tlsClientWithSource,
  tlsClientWithSourceOptions,
  tlsServer,
  tlsServerWithRawConfig,
  tlsServerWithSource,
  tlsServerWithSourceOptions,
  type X509SvidAndBundleSource,
} from "./mode.ts";
export { dial, type DialAddress, type DialOptions, dialWithMode } from "./dial.ts";
export { listen, type ListenAddress, type ListenOptions, listenWithMode } from "./listen.ts";
