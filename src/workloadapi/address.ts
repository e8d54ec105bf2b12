/**
 * Workload API endpoint addresses (SPIFFE Workload Endpoint §4): parsing a `unix:` or
 * `tcp:` URI into a `@grpc/grpc-js` dial target, finding the address from
 * `SPIFFE_ENDPOINT_SOCKET` when none is configured, and telling a unix path that holds
 * something other than a socket from an agent that is not running.
 *
 * Parsing follows go-spiffe's `workloadapi.TargetFromAddress` (Go's `net/url.Parse`,
 * emulated in `_go_url.ts`, followed by the same checks), but also rejects what the
 * standard forbids and go-spiffe lets through: a `unix:` URI with an authority
 * (`unix://host/path`), an empty query (`?`) or fragment (`#`), an unbracketed IPv6
 * host, and a TCP port outside 1–65535.
 *
 * Every refusal is an {@linkcode EndpointAddressError} (`ERR_ENDPOINT_ADDRESS`) whose
 * message reads `<reason>: <where the value came from> is "<value>"; <how to fix it>`.
 * The reasons are go-spiffe's words, except where those do not say what is wrong: a
 * relative `unix:` path is `must have an absolute path` (go-spiffe: `must not be opaque`).
 *
 * @module
 */

import { stat } from "node:fs/promises";
import process from "node:process";
import { goQuote } from "../_internal/go_quote.ts";
import { EndpointAddressError, type EndpointAddressOrigin } from "../errors.ts";
import {
  formatIp,
  type GoUrl,
  GoUrlError,
  parseGoUrl,
  parseIPv4,
  parseIPv6,
  percentDecode,
  splitHostPort,
} from "./_go_url.ts";

/** The environment variable that holds the Workload API address (WE §4). */
export const SOCKET_ENV = "SPIFFE_ENDPOINT_SOCKET";

/** A Workload API endpoint on a unix domain socket. */
export interface UnixEndpointAddress {
  /** Discriminant. */
  readonly kind: "unix";
  /** The absolute, percent-decoded socket path, e.g. `/run/spire/agent.sock`. */
  readonly path: string;
  /** The grpc-js target, `unix://` followed by {@linkcode UnixEndpointAddress.path}. */
  readonly target: string;
}

/** A Workload API endpoint on a TCP socket. */
export interface TcpEndpointAddress {
  /** Discriminant. */
  readonly kind: "tcp";
  /**
   * The IP address in canonical form, without brackets: dotted IPv4 (also for an
   * IPv4-mapped IPv6 address, as Go prints it) or RFC 5952 IPv6.
   */
  readonly host: string;
  /** The port, 1–65535. */
  readonly port: number;
  /** The grpc-js target: `ipv4:1.2.3.4:8081` or `ipv6:[::1]:8081`. */
  readonly target: string;
}

/** A parsed Workload API endpoint address. */
export type EndpointAddress = UnixEndpointAddress | TcpEndpointAddress;

/** A configured address: the text, where it came from, and what it parses to. */
export interface ResolvedEndpoint {
  /** The address as configured, e.g. `unix:///run/spire/agent.sock`. */
  readonly address: string;
  /** Where {@linkcode ResolvedEndpoint.address} came from. */
  readonly origin: EndpointAddressOrigin;
  /** The parsed address. */
  readonly endpoint: EndpointAddress;
}

/** A place to look up environment variables, like `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

const NOT_CONFIGURED = "workload endpoint socket address is not configured";
const BAD_SCHEME = 'workload endpoint socket URI must have a "tcp" or "unix" scheme';
const NOT_A_URI = "workload endpoint socket is not a valid URI";
const UNIX = "workload endpoint unix socket URI";
const TCP = "workload endpoint tcp socket URI";

const FIX_UNIX = "use unix:///absolute/path";
const FIX_TCP = "use tcp://IP:port, e.g. tcp://127.0.0.1:8081";
const FIX_ANY = "use unix:///absolute/path or tcp://IP:port";

/**
 * Parses a Workload API endpoint address.
 *
 * Accepted: `unix:///abs/path`, `unix:/abs/path` (the scheme is case-insensitive, as in
 * Go), `tcp://1.2.3.4:port` and `tcp://[ipv6]:port`. Everything else is refused, naming
 * the value and `origin` and saying what to write instead.
 *
 * @param address The address, e.g. the value of `SPIFFE_ENDPOINT_SOCKET`.
 * @param origin Where `address` came from, for the error message.
 * @returns The socket and the target to hand to grpc-js.
 * @throws {EndpointAddressError} If the address is not a valid Workload API endpoint URI.
 *
 * @example Unix and TCP addresses
 * ```ts
 * import assert from "node:assert";
 * import { parseEndpointAddress } from "./address.ts";
 *
 * const unix = parseEndpointAddress("unix:/run/spire/agent.sock");
 * assert.deepEqual(unix, {
 *   kind: "unix",
 *   path: "/run/spire/agent.sock",
 *   target: "unix:///run/spire/agent.sock",
 * });
 *
 * const tcp = parseEndpointAddress("tcp://[::1]:8081");
 * assert.equal(tcp.target, "ipv6:[::1]:8081");
 *
 * assert.throws(() => parseEndpointAddress("unix:agent.sock", "SPIFFE_ENDPOINT_SOCKET"), {
 *   code: "ERR_ENDPOINT_ADDRESS",
 *   message: "workload endpoint unix socket URI must have an absolute path: " +
 *     'SPIFFE_ENDPOINT_SOCKET is "unix:agent.sock"; use unix:///absolute/path',
 * });
 * ```
 */
export function parseEndpointAddress(
  address: string,
  origin: EndpointAddressOrigin = "address option",
): EndpointAddress {
  const refuse = (reason: string, fix: string, cause?: unknown): EndpointAddressError =>
    new EndpointAddressError(`${reason}: ${originText(origin)} is ${goQuote(address)}; ${fix}`, {
      address,
      origin,
      cause,
    });
  let url: GoUrl;
  try {
    url = parseGoUrl(address);
  } catch (err) {
    if (!(err instanceof GoUrlError)) throw err;
    throw refuse(`${NOT_A_URI}: ${err.message}`, FIX_ANY, err);
  }
  switch (url.scheme) {
    case "unix":
      return unixAddress(url, refuse);
    case "tcp":
      return tcpAddress(url, refuse);
    default:
      // A bare path is the most common slip: say what it should have been.
      throw refuse(BAD_SCHEME, address.startsWith("/") ? `use unix://${address}` : FIX_ANY);
  }
}

/**
 * Reads the default Workload API address from `SPIFFE_ENDPOINT_SOCKET`, like go-spiffe's
 * `GetDefaultAddress`. This is the only place spiffe-ts reads that variable.
 *
 * @param env Where to look it up; `process.env` when omitted.
 * @returns The raw value (not validated; possibly empty), or `undefined` if it is unset.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { defaultEndpointAddress } from "./address.ts";
 *
 * const env = { SPIFFE_ENDPOINT_SOCKET: "unix:///run/spire/agent.sock" };
 * assert.equal(defaultEndpointAddress(env), "unix:///run/spire/agent.sock");
 * assert.equal(defaultEndpointAddress({}), undefined);
 * ```
 */
export function defaultEndpointAddress(env: Environment = process.env): string | undefined {
  return env[SOCKET_ENV];
}

/**
 * Finds and parses the Workload API address: the explicit one if given (a non-empty
 * string, as in go-spiffe), else `SPIFFE_ENDPOINT_SOCKET` (WE §4).
 *
 * @param explicit The configured address, if any.
 * @param env Where to look up `SPIFFE_ENDPOINT_SOCKET`; `process.env` when omitted.
 * @returns The address, where it came from, and its parsed form.
 * @throws {EndpointAddressError} `workload endpoint socket address is not configured: ...`
 *   if neither is set, or {@linkcode parseEndpointAddress}'s error if the address is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveEndpoint } from "./address.ts";
 *
 * const env = { SPIFFE_ENDPOINT_SOCKET: "unix:///run/spire/agent.sock" };
 * const resolved = resolveEndpoint(undefined, env);
 * assert.equal(resolved.origin, "SPIFFE_ENDPOINT_SOCKET");
 * assert.equal(resolved.endpoint.target, "unix:///run/spire/agent.sock");
 * assert.equal(resolveEndpoint("tcp://127.0.0.1:8081", env).origin, "address option");
 * ```
 */
export function resolveEndpoint(explicit?: string, env?: Environment): ResolvedEndpoint {
  if (explicit) {
    return {
      address: explicit,
      origin: "address option",
      endpoint: parseEndpointAddress(explicit),
    };
  }
  const address = defaultEndpointAddress(env);
  if (address === undefined) {
    throw new EndpointAddressError(
      `${NOT_CONFIGURED}: set ${SOCKET_ENV} or pass the address option, ` +
        "e.g. unix:///run/spire/sockets/agent.sock",
    );
  }
  return { address, origin: SOCKET_ENV, endpoint: parseEndpointAddress(address, SOCKET_ENV) };
}

/**
 * {@linkcode resolveEndpoint}, returning only the parsed address.
 *
 * @param explicit The configured address, if any.
 * @param env Where to look up `SPIFFE_ENDPOINT_SOCKET`; `process.env` when omitted.
 * @returns The parsed address.
 * @throws {EndpointAddressError} As {@linkcode resolveEndpoint}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveEndpointAddress } from "./address.ts";
 *
 * const env = { SPIFFE_ENDPOINT_SOCKET: "unix:///run/spire/agent.sock" };
 * assert.equal(resolveEndpointAddress(undefined, env).target, "unix:///run/spire/agent.sock");
 * assert.throws(() => resolveEndpointAddress(undefined, {}), {
 *   code: "ERR_ENDPOINT_ADDRESS",
 *   message: "workload endpoint socket address is not configured: set SPIFFE_ENDPOINT_SOCKET " +
 *     "or pass the address option, e.g. unix:///run/spire/sockets/agent.sock",
 * });
 * ```
 */
export function resolveEndpointAddress(explicit?: string, env?: Environment): EndpointAddress {
  return resolveEndpoint(explicit, env).endpoint;
}

/**
 * The endpoint as log lines and errors name it: `unix:///tmp/agent.sock (from
 * SPIFFE_ENDPOINT_SOCKET)`.
 *
 * @param resolved The configured address.
 * @returns The address and its origin.
 */
export function describeEndpoint(resolved: ResolvedEndpoint): string {
  return `${resolved.address} (from ${originText(resolved.origin)})`;
}

/**
 * After a failed connection: whether a unix endpoint's path holds something other than a
 * socket (a regular file, or a directory, as a container bind mount of a socket that did
 * not exist yet leaves behind). Retrying cannot help then.
 *
 * @param resolved The configured address.
 * @param cause The connection failure.
 * @returns The error to report instead of the connection failure, or `undefined` when
 *   the path is a socket, does not exist, cannot be looked at, or the endpoint is TCP.
 */
export async function notASocket(
  resolved: ResolvedEndpoint,
  cause?: unknown,
): Promise<EndpointAddressError | undefined> {
  const { endpoint, address, origin } = resolved;
  if (endpoint.kind !== "unix") return undefined;
  let what: string;
  try {
    const stats = await stat(endpoint.path);
    if (stats.isSocket()) return undefined;
    what = stats.isDirectory() ? "a directory" : stats.isFile() ? "a regular file" : "no socket";
  } catch (_err) {
    // Nothing there (the agent is not running) or no permission to look: the connection
    // error already says so, in the words of the system.
    return undefined;
  }
  return new EndpointAddressError(
    `workload endpoint unix socket ${goQuote(endpoint.path)} is not a socket (it is ${what}): ` +
      `${originText(origin)} is ${goQuote(address)}; point it at the agent's socket`,
    { address, origin, cause },
  );
}

function originText(origin: EndpointAddressOrigin): string {
  return origin === SOCKET_ENV ? SOCKET_ENV : "the address option";
}

type Refuse = (reason: string, fix: string, cause?: unknown) => EndpointAddressError;

// --- The two schemes, as in go-spiffe's addr_posix.go and addr.go -------------------

function unixAddress(url: GoUrl, refuse: Refuse): UnixEndpointAddress {
  // go-spiffe: "must not be opaque", which says nothing to someone who wrote a relative path.
  if (url.opaque !== "") throw refuse(`${UNIX} must have an absolute path`, FIX_UNIX);
  if (url.user !== undefined) throw refuse(`${UNIX} must not include user info`, FIX_UNIX);
  if (url.host === "" && url.path === "") throw refuse(`${UNIX} must include a path`, FIX_UNIX);
  if (url.query !== undefined) throw refuse(`${UNIX} must not include query values`, FIX_UNIX);
  if (url.fragment !== undefined) throw refuse(`${UNIX} must not include a fragment`, FIX_UNIX);
  // Stricter than go-spiffe: WE §4 forbids an authority ("unix://host/path").
  if (url.authority !== undefined && url.host !== "") {
    throw refuse(`${UNIX} must not include an authority`, `${FIX_UNIX} (three slashes)`);
  }
  if (!url.path.startsWith("/")) throw refuse(`${UNIX} must include a path`, FIX_UNIX);
  let path = url.path;
  if (path.includes("%")) {
    try {
      path = new TextDecoder("utf-8", { fatal: true }).decode(percentDecode(path));
    } catch (cause) {
      throw refuse(`${UNIX} path must be valid UTF-8`, FIX_UNIX, cause);
    }
  }
  return { kind: "unix", path, target: `unix://${path}` };
}

function tcpAddress(url: GoUrl, refuse: Refuse): TcpEndpointAddress {
  if (url.opaque !== "") throw refuse(`${TCP} must have "//" before the host`, FIX_TCP);
  if (url.user !== undefined) throw refuse(`${TCP} must not include user info`, FIX_TCP);
  if (url.host === "") throw refuse(`${TCP} must include a host`, FIX_TCP);
  if (url.path !== "") throw refuse(`${TCP} must not include a path`, FIX_TCP);
  if (url.query !== undefined) throw refuse(`${TCP} must not include query values`, FIX_TCP);
  if (url.fragment !== undefined) throw refuse(`${TCP} must not include a fragment`, FIX_TCP);

  const { hostname, bracketed, port: portText } = splitHostPort(url.host);
  // Stricter than go-spiffe: IPv6 only in brackets, IPv4 never in them (RFC 3986).
  const ip = bracketed ? parseIPv6(hostname) : parseIPv4(hostname);
  if (ip === undefined) {
    throw refuse(`${TCP} host component must be an IP:port`, `${FIX_TCP} (an IP, not a name)`);
  }
  if (portText === "") throw refuse(`${TCP} host component must include a port`, FIX_TCP);
  // Stricter than go-spiffe: the port must be usable.
  const port = Number(portText);
  if (!(port >= 1 && port <= 65535)) {
    throw refuse(`${TCP} port must be between 1 and 65535`, FIX_TCP);
  }
  const host = formatIp(ip);
  const target = host.includes(":") ? `ipv6:[${host}]:${port}` : `ipv4:${host}:${port}`;
  return { kind: "tcp", host, port, target };
}
