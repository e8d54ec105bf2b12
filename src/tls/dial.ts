import type { ConnectionOptions, TLSSocket } from "node:tls";
import type { Authorizer } from "./authorizer.ts";
import { type ClientMode, mtlsClient } from "./mode.ts";
import { clientConfigFor, type ResolvedSources, resolveSources } from "./_mode_sources.ts";
import { connectWith } from "./spiffe_connect.ts";
import { assertSupportedRuntime } from "./_runtime_version.ts";
import { contextExtras } from "./_tls_options.ts";

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
   * More `node:tls` connect options (e.g. `ALPNProtocols`, `servername`, `maxVersion`,
   * `ciphers`, `session`). Fields that shape the secure context are built into it; fields
   * that would replace SPIFFE's credentials or checks (`ca`, `cert`, `key`, `pfx`,
   * `secureContext`, `checkServerIdentity`, `rejectUnauthorized`, `host`, `port`, ...) are
   * refused. A resumed session is verified again, as a fresh one is.
   *
   * @default {{}}
   */
  tlsOptions?: ConnectionOptions;
}

/**
 * Dials a TLS server with one of go-spiffe's client modes and resolves once the
 * handshake finished and the server was verified and authorized (go-spiffe's
 * `spiffetls.DialWithMode`): the mode's sources as a client config, given to
 * `spiffeConnect` with a deadline. A source the mode makes is closed with the
 * socket.
 *
 * @param address The server's host name and port.
 * @param mode A client mode, e.g. `mtlsClientWithSource(authorizeId(id), source)`.
 * @param options `signal`, `timeout`, extra `tlsOptions`.
 * @returns The connected socket; `peerIdFromSocket(socket)` names the server.
 * @throws {AuthorizationError} When the server's ID is refused (`unexpected ID "..."`).
 * @throws {X509SvidError} When the server's chain is not a valid X509-SVID of a trusted
 * trust domain.
 * @throws {TypeError} For a `tlsOptions` field that cannot be honoured.
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
  assertSupportedRuntime();
  contextExtras(options.tlsOptions, "client", "dialWithMode");
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
  let owned: ResolvedSources["owned"];
  try {
    const sources = await resolveSources(mode, signal);
    owned = sources.owned;
    const socket = await connectWith(
      clientConfigFor(mode, sources),
      { ...options.tlsOptions, host: address.hostname, port: address.port },
      signal,
      "dialWithMode",
    );
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
