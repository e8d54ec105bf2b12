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
  EndpointAddressError,
  type EndpointAddressOrigin,
  JwtSvidError,
  SourceClosedError,
  SpiffeError,
  type SpiffeErrorCode,
  SpiffeIdError,
  WorkloadApiError,
  X509SvidError,
} from "./src/errors.ts";
export type {
  BundleErrorReason,
  JwtSvidErrorReason,
  SpiffeIdErrorReason,
  X509SvidErrorReason,
} from "./src/errors.ts";
export {
  matchAny,
  type Matcher,
  matchId,
  matchIdPrefix,
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
  BundleSource,
  type BundleSourceSnapshot,
  type CallOptions,
  consoleLogger,
  exponentialBackoff,
  type ExponentialBackoffOptions,
  type JwtBundlesWatcher,
  JwtSource,
  type JwtSvidParams,
  linearBackoff,
  type Logger,
  nullLogger,
  type SourceOptions,
  type UpdatesOptions,
  type WaitWarningOptions,
  WorkloadApiClient,
  type WorkloadApiClientOptions,
  type X509BundlesWatcher,
  type X509Context,
  type X509ContextWatcher,
  X509Source,
  type X509SourceOptions,
  type X509SourceSnapshot,
} from "./src/workloadapi/mod.ts";
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
  bindSpiffeServer,
  clientConnectionOptions,
  type ClientMode,
  dial,
  type DialAddress,
  type DialOptions,
  dialWithMode,
  listen,
  type ListenAddress,
  type ListenOptions,
  listenWithMode,
  type ModeSources,
  mtlsClient,
  mtlsClientConfig,
  mtlsClientOptions,
  mtlsClientWithRawConfig,
  mtlsClientWithSource,
  mtlsClientWithSourceOptions,
  mtlsServer,
  mtlsServerConfig,
  mtlsServerOptions,
  mtlsServerWithRawConfig,
  mtlsServerWithSource,
  mtlsServerWithSourceOptions,
  mtlsWebClient,
  mtlsWebClientConfig,
  mtlsWebClientOptions,
  mtlsWebClientWithRawConfig,
  mtlsWebClientWithSource,
  mtlsWebClientWithSourceOptions,
  mtlsWebServer,
  mtlsWebServerConfig,
  mtlsWebServerOptions,
  mtlsWebServerWithRawConfig,
  mtlsWebServerWithSource,
  mtlsWebServerWithSourceOptions,
  peerIdFromSocket,
  type ServerContextOptions,
  serverContextOptions,
  type ServerMode,
  type SpiffeClientConfig,
  spiffeConnect,
  spiffeServer,
  type SpiffeServerBindOptions,
  type SpiffeServerConfig,
  type SpiffeServerOptions,
  tlsClient,
  tlsClientConfig,
  tlsClientOptions,
  tlsClientWithRawConfig,
  tlsClientWithSource,
  tlsClientWithSourceOptions,
  tlsServer,
  tlsServerConfig,
  tlsServerOptions,
  tlsServerWithRawConfig,
  tlsServerWithSource,
  tlsServerWithSourceOptions,
  verifyPeer,
  type WebCertificate,
  type X509SvidAndBundleSource,
} from "./src/tls/mod.ts";
