import { createServer, type Server, type TlsOptions } from "node:tls";
import type { Authorizer } from "./authorizer.ts";
import { mtlsServer, type ServerMode } from "./mode.ts";
import { resolveSources, serverConfigFor } from "./_mode_sources.ts";
import { spiffeServer } from "./spiffe_server.ts";
import { assertSupportedRuntime } from "./_runtime_version.ts";
import { contextExtras, withoutContextFields } from "./_tls_options.ts";
import { listenGuardingDenial } from "./_listen_permission.ts";

/** Where to listen: a TCP host and port, or a unix socket path. */
export type ListenAddress = { hostname?: string; port: number } | { path: string };

/** Options of {@linkcode listenWithMode}. */
export interface ListenOptions {
  /**
   * Milliseconds a client may take to finish its handshake before it is dropped.
   *
   * @default {10000}
   */
  handshakeTimeout?: number;
  /** Closes the server when it aborts. */
  signal?: AbortSignal;
  /**
   * More `node:tls` server options (e.g. `ALPNProtocols`, `maxVersion`, `ciphers`). Fields
   * that shape the secure context are kept across rotations; fields that would replace
   * SPIFFE's credentials or checks (`ca`, `cert`, `key`, `pfx`, `secureContext`,
   * `requestCert`, `rejectUnauthorized`, `SNICallback`, ...) are refused.
   *
   * @default {{}}
   */
  tlsOptions?: TlsOptions;
}

/**
 * Starts a TLS server with one of go-spiffe's server modes (go-spiffe's
 * `spiffetls.ListenWithMode`) and resolves once it listens: a `node:tls` server bound to
 * the mode's config with `spiffeServer`. Only clients that pass the
 * mode's SPIFFE checks reach `secureConnection` listeners; a refused client is reported
 * as a `tlsClientError` (`unexpected ID "spiffe://..."`). The server keeps serving, swaps
 * in rotated SVIDs and bundles without a restart, and drops clients that stall their
 * handshake. A source the mode makes is closed with the server.
 *
 * @param address `{ hostname, port }` or `{ path }` of a unix socket.
 * @param mode A server mode, e.g. `mtlsServerWithSource(authorizeId(id), source)`.
 * @param options `handshakeTimeout`, `signal`, extra `tlsOptions`.
 * @returns The listening server.
 * @throws {TypeError} For a `tlsOptions` field that cannot be honoured.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, listenWithMode, mtlsServerWithSource, X509Source } from "@spiffe-ts/spiffe";
 *
 * const source = await X509Source.create();
 * const server = await listenWithMode(
 *   { hostname: "localhost", port: 55555 },
 *   mtlsServerWithSource(authorizeId("spiffe://example.org/client"), source),
 * );
 * server.on("secureConnection", (socket) => socket.end("Hello client\n"));
 * server.on("tlsClientError", (err) => console.log(`Error reading incoming data: ${err.message}`));
 * ```
 */
export async function listenWithMode(
  address: ListenAddress,
  mode: ServerMode,
  options: ListenOptions = {},
): Promise<Server> {
  options.signal?.throwIfAborted();
  assertSupportedRuntime();
  contextExtras(options.tlsOptions, "server", "listenWithMode");
  const { svidSource, bundleSource, owned } = await resolveSources(mode, options.signal);
  try {
    // A plain node:tls server (its own plain options, e.g. ALPN, apply), bound to the mode's
    // config: spiffeServer does its handshakes and verifies each client.
    const server = spiffeServer(
      createServer(withoutContextFields(options.tlsOptions)),
      serverConfigFor(mode, { svidSource, bundleSource }),
      { handshakeTimeout: options.handshakeTimeout ?? 10_000, tlsOptions: options.tlsOptions },
    );
    const bind = () =>
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        const ready = () => {
          server.off("error", reject);
          resolve();
        };
        if ("path" in address) server.listen(address.path, ready);
        else server.listen(address.port, address.hostname, ready);
      });
    if ("path" in address) await bind();
    else await listenGuardingDenial(address.port, address.hostname, "listenWithMode", bind);
    const stop = () => server.close();
    server.once("close", () => {
      options.signal?.removeEventListener("abort", stop);
      void owned?.close();
    });
    if (options.signal?.aborted) {
      // Aborted while binding: undo the listen.
      await new Promise((resolve) => server.close(resolve));
      throw options.signal.reason;
    }
    options.signal?.addEventListener("abort", stop, { once: true });
    return server;
  } catch (err) {
    await owned?.close();
    throw err;
  }
}

/**
 * Listens with mutual TLS using the Workload API at `SPIFFE_ENDPOINT_SOCKET` (go-spiffe's
 * `spiffetls.Listen`): `listenWithMode(address, mtlsServer(authorizer))`.
 *
 * @param address `{ hostname, port }` or `{ path }`.
 * @param authorizer Decides on the client's ID.
 * @param options `handshakeTimeout`, `signal`, extra `tlsOptions`.
 * @returns The listening server.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, listen } from "@spiffe-ts/spiffe";
 *
 * const server = await listen({ port: 55555 }, authorizeId("spiffe://example.org/client"));
 * ```
 */
export function listen(
  address: ListenAddress,
  authorizer: Authorizer,
  options?: ListenOptions,
): Promise<Server> {
  return listenWithMode(address, mtlsServer(authorizer), options);
}
