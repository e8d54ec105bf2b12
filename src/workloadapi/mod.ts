/**
 * The SPIFFE Workload API (go-spiffe's `workloadapi` package): a client that fetches and
 * watches X509-SVIDs, JWT-SVIDs and bundles, and the self-updating sources built on it
 * (`X509Source`, `JwtSource`, `BundleSource`).
 *
 * The endpoint comes from the `address` option, else `SPIFFE_ENDPOINT_SOCKET`. Nothing
 * waits in silence: a source still waiting for its first update, or a call with no
 * answer, warns through the logger after 5 s and then every minute, naming the address,
 * where it came from, and the last error (`consoleLogger`, the default, writes warnings
 * to stderr; `logger: nullLogger` silences them, `waitWarning` sets the delays).
 *
 * @example A source on the devagent
 * ```ts
 * import { X509Source } from "@spiffe-ts/spiffe";
 * import { startDevAgent } from "@spiffe-ts/spiffe/devagent";
 *
 * const dir = await Deno.makeTempDir();
 * await using agent = await startDevAgent({
 *   sockets: [{ path: `${dir}/agent.sock`, spiffeId: "spiffe://example.org/server" }],
 * });
 * await using source = await X509Source.create({
 *   address: agent.addresses[0],
 *   signal: AbortSignal.timeout(10_000),
 * });
 * console.log(source.getX509Svid().id.toString()); // spiffe://example.org/server
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  type Backoff,
  type BackoffStrategy,
  exponentialBackoff,
  type ExponentialBackoffOptions,
  linearBackoff,
} from "./backoff.ts";
export { consoleLogger, type Logger, nullLogger } from "./logger.ts";
export type { WaitWarningOptions } from "./source_options.ts";
export type { X509Context } from "./x509_context.ts";
export {
  type CallOptions,
  type JwtBundlesWatcher,
  type JwtSvidParams,
  type UpdatesOptions,
  WorkloadApiClient,
  type WorkloadApiClientOptions,
  type X509BundlesWatcher,
  type X509ContextWatcher,
} from "./client.ts";
export type { SourceOptions } from "./source_options.ts";
export { X509Source, type X509SourceOptions, type X509SourceSnapshot } from "./x509_source.ts";
export { JwtSource } from "./jwt_source.ts";
export { BundleSource, type BundleSourceSnapshot } from "./bundle_source.ts";
