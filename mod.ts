/**
 * spiffe-ts: SPIFFE workload identity and mutual TLS for TypeScript, Deno first and
 * Node compatible (the counterpart of go-spiffe v2). SPIFFE IDs and bundles, X509- and
 * JWT-SVIDs, a Workload API client with self-updating sources, and mutual TLS on
 * `node:tls` authorized by SPIFFE ID. The embedded development agent is at
 * `@spiffe-ts/spiffe/devagent`.
 *
 * @example The hello server and client (two programs; see examples/spiffe-tls)
 * ```ts ignore
 * import {
 *   authorizeId,
 *   dialWithMode,
 *   listenWithMode,
 *   mtlsClientWithSourceOptions,
 *   mtlsServerWithSourceOptions,
 * } from "@spiffe-ts/spiffe";
 *
 * const address = "unix:///tmp/agent.sock"; // omit it to use SPIFFE_ENDPOINT_SOCKET
 *
 * // server.ts: lets only spiffe://example.org/client through.
 * const server = await listenWithMode(
 *   { hostname: "localhost", port: 55555 },
 *   mtlsServerWithSourceOptions(authorizeId("spiffe://example.org/client"), { address }),
 * );
 * server.on("secureConnection", (socket) => socket.once("data", () => socket.end("Hello client\n")));
 * server.on("tlsClientError", (err) => console.log(`Error reading incoming data: ${err.message}`));
 *
 * // client.ts: accepts only spiffe://example.org/server.
 * const socket = await dialWithMode(
 *   { hostname: "localhost", port: 55555 },
 *   mtlsClientWithSourceOptions(authorizeId("spiffe://example.org/server"), { address }),
 * );
 * socket.write("Hello server\n");
 * socket.once("data", (reply) => console.log(`Server says: ${reply}`));
 * ```
 *
 * @module
 */
export {
  AuthorizationError,
  BundleError,
  JwtSvidError,
  SourceClosedError,
  SpiffeError,
  type SpiffeErrorCode,
  SpiffeIdError,
  WorkloadApiError,
  X509SvidError,
} from "./src/errors.ts";
export {
  matchAny,
  type Matcher,
  matchId,
  matchMemberOf,
  matchOneOf,
  MAX_ID_LENGTH,
  MAX_TRUST_DOMAIN_LENGTH,
  SpiffeId,
  TrustDomain,
} from "./src/spiffeid/mod.ts";
export {
  type BundleBytesMap,
  BundleSet,
  JwtBundle,
  JwtBundleSet,
  type JwtBundleSource,
  SpiffeBundle,
  type SpiffeBundleSource,
  X509Bundle,
  X509BundleSet,
  type X509BundleSource,
} from "./src/bundle/mod.ts";
export {
  JwtSvid,
  type JwtSvidParseOptions,
  type VerifiedX509Svid,
  verifyX509Svid,
  type VerifyX509SvidOptions,
  verifyX509SvidSync,
  X509Svid,
  type X509SvidDer,
  type X509SvidParseOptions,
  type X509SvidPem,
  type X509SvidSource,
} from "./src/svid/mod.ts";
export {
  type Backoff,
  type BackoffStrategy,
  exponentialBackoff,
  type ExponentialBackoffOptions,
  linearBackoff,
} from "./src/workloadapi/backoff.ts";
export { type Logger, nullLogger } from "./src/workloadapi/logger.ts";
export type { X509Context } from "./src/workloadapi/x509_context.ts";
export {
  type CallOptions,
  type JwtBundlesWatcher,
  type JwtSvidParams,
  WorkloadApiClient,
  type WorkloadApiClientOptions,
  type X509BundlesWatcher,
  type X509ContextWatcher,
} from "./src/workloadapi/client.ts";
export type { SourceOptions } from "./src/workloadapi/_source_core.ts";
export {
  X509Source,
  type X509SourceOptions,
  type X509SourceSnapshot,
} from "./src/workloadapi/x509_source.ts";
export { JwtSource } from "./src/workloadapi/jwt_source.ts";
export { BundleSource, type BundleSourceSnapshot } from "./src/workloadapi/bundle_source.ts";
export {
  authorizeAny,
  authorizeId,
  authorizeMatches,
  authorizeMemberOf,
  authorizeOneOf,
  type Authorizer,
} from "./src/tls/authorizer.ts";
export {
  mtlsClientOptions,
  mtlsWebClientOptions,
  tlsClientOptions,
} from "./src/tls/client_options.ts";
export {
  bindSpiffeServer,
  mtlsServerOptions,
  mtlsWebServerOptions,
  type SpiffeServerOptions,
  tlsServerOptions,
} from "./src/tls/server_options.ts";
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
} from "./src/tls/config.ts";
export {
  clientConnectionOptions,
  type ServerContextOptions,
  serverContextOptions,
} from "./src/tls/connection_options.ts";
export { spiffeServer, type SpiffeServerBindOptions } from "./src/tls/spiffe_server.ts";
export { spiffeConnect } from "./src/tls/spiffe_connect.ts";
export { peerIdFromSocket, verifyPeer } from "./src/tls/peer.ts";
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
} from "./src/tls/mode.ts";
export { dial, type DialAddress, type DialOptions, dialWithMode } from "./src/tls/dial.ts";
export {
  listen,
  type ListenAddress,
  type ListenOptions,
  listenWithMode,
} from "./src/tls/listen.ts";
