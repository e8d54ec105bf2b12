import { connect, type ConnectionOptions, type TLSSocket } from "node:tls";
import type { Authorizer } from "./authorizer.ts";
import { mtlsWebClientOptions, spiffeClientOptions } from "./client_options.ts";
import { type ClientMode, mtlsClient } from "./mode.ts";
import { resolveSources } from "./_mode_sources.ts";
import { rememberPeer } from "./peer.ts";
import type { SpiffeId } from "../spiffeid/spiffe_id.ts";

/** Where to dial. */
export interface DialAddress {
  /** Host name or IP address. */
  hostname: string;
  /** TCP port. */
  port: number;
}

/** Options of {@linkcode dialWithMode}. */
export interface DialOptions {
  /** Aborts the dial (connect and handshake). */
  signal?: AbortSignal;
  /**
   * Milliseconds the connect and handshake may take.
   *
   * @default {30000}
   */
  timeout?: number;
  /**
   * More `node:tls` connect options (e.g. `ALPNProtocols`, `servername`); the SPIFFE
   * options win where both set a field.
   *
   * @default {{}}
   */
  tlsOptions?: ConnectionOptions;
}

/**
 * Dials a TLS server with one of go-spiffe's client modes and resolves once the
 * handshake finished and the server was verified and authorized (go-spiffe's
 * `spiffetls.DialWithMode`). A source the mode makes is closed with the socket.
 *
 * @param address The server's host name and port.
 * @param mode A client mode, e.g. `mtlsClientWithSource(authorizeId(id), source)`.
 * @param options `signal`, `timeout`, extra `tlsOptions`.
 * @returns The connected socket; `peerIdFromSocket(socket)` names the server.
 * @throws {AuthorizationError} When the server's ID is refused (`unexpected ID "..."`).
 * @throws {X509SvidError} When the server's chain is not a valid X509-SVID of a trusted
 * trust domain.
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
 * socket.end("Hello server\n");
 * ```
 */
export async function dialWithMode(
  address: DialAddress,
  mode: ClientMode,
  options: DialOptions = {},
): Promise<TLSSocket> {
  options.signal?.throwIfAborted();
  // A timer cleared when the dial settles (AbortSignal.timeout's could not be, and would
  // linger for the whole timeout after every dial).
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException("the dial timed out", "TimeoutError")),
    options.timeout ?? 30_000,
  );
  const signal = options.signal
    ? AbortSignal.any([deadline.signal, options.signal])
    : deadline.signal;
  let owned: Awaited<ReturnType<typeof resolveSources>>["owned"];
  try {
    const sources = await resolveSources(mode, signal);
    const { svidSource, bundleSource } = sources;
    owned = sources.owned;
    let peer: SpiffeId | undefined;
    const spiffeOptions = mode.kind === "mtls-web"
      ? mtlsWebClientOptions(svidSource, mode.roots)
      : spiffeClientOptions(
        mode.kind === "mtls" ? svidSource : undefined,
        bundleSource,
        mode.authorizer,
        (id) => (peer = id),
      );
    // `ca` and the pool key are for https agents; tls.connect needs only the secure context.
    const { ca: _ca, sessionIdContext: _poolKey, ...connectOptions } = spiffeOptions;
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const socket = connect({
        ...options.tlsOptions,
        host: address.hostname,
        port: address.port,
        ...connectOptions,
      });
      const fail = (err: unknown) => {
        signal.removeEventListener("abort", abort);
        socket.destroy();
        reject(err);
      };
      const abort = () => fail(signal.reason);
      signal.addEventListener("abort", abort, { once: true });
      socket.once("error", fail);
      socket.once("secureConnect", () => {
        signal.removeEventListener("abort", abort);
        socket.off("error", fail);
        resolve(socket);
      });
    });
    if (peer !== undefined) rememberPeer(socket, peer);
    if (owned) socket.once("close", () => void owned!.close());
    return socket;
  } catch (err) {
    await owned?.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Dials with mutual TLS using the Workload API at `SPIFFE_ENDPOINT_SOCKET` (go-spiffe's
 * `spiffetls.Dial`): `dialWithMode(address, mtlsClient(authorizer))`.
 *
 * @param address The server's host name and port.
 * @param authorizer Decides on the server's ID.
 * @param options `signal`, `timeout`, extra `tlsOptions`.
 * @returns The connected, authorized socket.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, dial } from "@spiffe-ts/spiffe";
 *
 * const socket = await dial({ hostname: "localhost", port: 55555 }, authorizeId("spiffe://example.org/server"));
 * ```
 */
export function dial(
  address: DialAddress,
  authorizer: Authorizer,
  options?: DialOptions,
): Promise<TLSSocket> {
  return dialWithMode(address, mtlsClient(authorizer), options);
}
