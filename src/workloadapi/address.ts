/**
 * Workload API endpoint addresses (SPIFFE Workload Endpoint §4): parsing a `unix:` or
 * `tcp:` URI into a `@grpc/grpc-js` dial target, and finding the address from
 * `SPIFFE_ENDPOINT_SOCKET` when none is configured.
 *
 * Parsing follows go-spiffe's `workloadapi.TargetFromAddress` (Go's `net/url.Parse`
 * followed by the same checks, with the same messages), but also rejects what the
 * standard forbids and go-spiffe lets through: a `unix:` URI with an authority
 * (`unix://host/path`), an empty query (`?`) or fragment (`#`), an unbracketed IPv6
 * host, and a TCP port outside 1–65535.
 *
 * @module
 */

import process from "node:process";
import { goQuote } from "../_go_quote.ts";

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

/** A place to look up environment variables, like `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

const NOT_CONFIGURED = "workload endpoint socket address is not configured";
const BAD_SCHEME = 'workload endpoint socket URI must have a "tcp" or "unix" scheme';
const UNIX = "workload endpoint unix socket URI";
const TCP = "workload endpoint tcp socket URI";

/**
 * Parses a Workload API endpoint address.
 *
 * Accepted: `unix:///abs/path`, `unix:/abs/path` (the scheme is case-insensitive, as in
 * Go), `tcp://1.2.3.4:port` and `tcp://[ipv6]:port`. Everything else is refused with
 * go-spiffe's message, e.g. `workload endpoint unix socket URI must not be opaque` for
 * `unix:run/agent.sock`, or `workload endpoint tcp socket URI host component must be an
 * IP:port` for a host name.
 *
 * @param address The address, e.g. the value of `SPIFFE_ENDPOINT_SOCKET`.
 * @returns The socket and the target to hand to grpc-js.
 * @throws {TypeError} If the address is not a valid Workload API endpoint URI.
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
 * assert.throws(() => parseEndpointAddress("tcp://localhost:8081"), {
 *   name: "TypeError",
 *   message: "workload endpoint tcp socket URI host component must be an IP:port",
 * });
 * ```
 */
export function parseEndpointAddress(address: string): EndpointAddress {
  const url = parseGoUrl(address);
  switch (url.scheme) {
    case "unix":
      return unixAddress(url);
    case "tcp":
      return tcpAddress(url);
    default:
      throw new TypeError(BAD_SCHEME);
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
 * @returns The parsed address.
 * @throws {TypeError} `workload endpoint socket address is not configured` if neither is
 *   set, or {@linkcode parseEndpointAddress}'s error if the address is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { resolveEndpointAddress } from "./address.ts";
 *
 * const env = { SPIFFE_ENDPOINT_SOCKET: "unix:///run/spire/agent.sock" };
 * assert.equal(resolveEndpointAddress(undefined, env).target, "unix:///run/spire/agent.sock");
 * assert.equal(resolveEndpointAddress("tcp://127.0.0.1:8081", env).target, "ipv4:127.0.0.1:8081");
 * assert.throws(() => resolveEndpointAddress(undefined, {}), {
 *   name: "TypeError",
 *   message: "workload endpoint socket address is not configured",
 * });
 * ```
 */
export function resolveEndpointAddress(explicit?: string, env?: Environment): EndpointAddress {
  const address = explicit ? explicit : defaultEndpointAddress(env);
  if (address === undefined) throw new TypeError(NOT_CONFIGURED);
  return parseEndpointAddress(address);
}

// --- The two schemes, as in go-spiffe's addr_posix.go and addr.go -------------------

function unixAddress(url: GoUrl): UnixEndpointAddress {
  if (url.opaque !== "") throw new TypeError(`${UNIX} must not be opaque`);
  if (url.user !== undefined) throw new TypeError(`${UNIX} must not include user info`);
  if (url.host === "" && url.path === "") throw new TypeError(`${UNIX} must include a path`);
  if (url.query !== undefined) throw new TypeError(`${UNIX} must not include query values`);
  if (url.fragment !== undefined) throw new TypeError(`${UNIX} must not include a fragment`);
  // Stricter than go-spiffe: WE §4 forbids an authority ("unix://host/path").
  if (url.authority !== undefined && url.host !== "") {
    throw new TypeError(`${UNIX} must not include an authority`);
  }
  if (!url.path.startsWith("/")) throw new TypeError(`${UNIX} must include a path`);
  const path = decodePath(url.path, url.raw);
  return { kind: "unix", path, target: `unix://${path}` };
}

function tcpAddress(url: GoUrl): TcpEndpointAddress {
  if (url.opaque !== "") throw new TypeError(`${TCP} must not be opaque`);
  if (url.user !== undefined) throw new TypeError(`${TCP} must not include user info`);
  if (url.host === "") throw new TypeError(`${TCP} must include a host`);
  if (url.path !== "") throw new TypeError(`${TCP} must not include a path`);
  if (url.query !== undefined) throw new TypeError(`${TCP} must not include query values`);
  if (url.fragment !== undefined) throw new TypeError(`${TCP} must not include a fragment`);

  const { hostname, bracketed, port: portText } = splitHostPort(url.host);
  // Stricter than go-spiffe: IPv6 only in brackets, IPv4 never in them (RFC 3986).
  const ip = bracketed ? parseIPv6(hostname) : parseIPv4(hostname);
  if (ip === undefined) throw new TypeError(`${TCP} host component must be an IP:port`);
  if (portText === "") throw new TypeError(`${TCP} host component must include a port`);
  // Stricter than go-spiffe: the port must be usable.
  const port = Number(portText);
  if (!(port >= 1 && port <= 65535)) {
    throw new TypeError(`${TCP} port must be between 1 and 65535`);
  }
  const host = formatIp(ip);
  const target = host.includes(":") ? `ipv6:[${host}]:${port}` : `ipv4:${host}:${port}`;
  return { kind: "tcp", host, port, target };
}

/** Go's `URL.Hostname`/`URL.Port` split, remembering whether the host was bracketed. */
function splitHostPort(host: string): { hostname: string; bracketed: boolean; port: string } {
  let hostname = host;
  let port = "";
  const colon = host.lastIndexOf(":");
  if (colon !== -1 && validOptionalPort(host.slice(colon))) {
    hostname = host.slice(0, colon);
    port = host.slice(colon + 1);
  }
  const bracketed = hostname.startsWith("[") && hostname.endsWith("]");
  if (bracketed) hostname = hostname.slice(1, -1);
  return { hostname, bracketed, port };
}

// --- A scan of Go's net/url.Parse, as far as these checks need it ---------------------

/** The parts of a Go `url.URL` that go-spiffe looks at. */
interface GoUrl {
  /** The input, for error messages. */
  raw: string;
  /** Lowercased. */
  scheme: string;
  /** What follows `scheme:` when that does not start with `/`. */
  opaque: string;
  /** The authority text after `//`, if the URI has one. */
  authority?: string;
  /** Present (possibly empty) when the authority contains `@`. */
  user?: string;
  /** The host, percent-decoded (Go's `URL.Host`). */
  host: string;
  /** The raw (still escaped) path. */
  path: string;
  /** Present (possibly empty) when there is a `?`. */
  query?: string;
  /** Present (possibly empty) when there is a `#`. */
  fragment?: string;
}

/** go-spiffe's wrapping of a `net/url` parse error. */
function invalidUri(input: string, reason: string): TypeError {
  return new TypeError(
    `workload endpoint socket is not a valid URI: parse ${goQuote(input)}: ${reason}`,
  );
}

function parseGoUrl(raw: string): GoUrl {
  const hash = raw.indexOf("#");
  const beforeFragment = hash === -1 ? raw : raw.slice(0, hash);
  const fragment = hash === -1 ? undefined : raw.slice(hash + 1);

  for (let i = 0; i < beforeFragment.length; i++) {
    const c = beforeFragment.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      throw invalidUri(beforeFragment, "net/url: invalid control character in URL");
    }
  }

  let scheme = "";
  let rest = beforeFragment;
  for (let i = 0; i < beforeFragment.length; i++) {
    const c = beforeFragment[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ":") {
      if (i === 0) throw invalidUri(beforeFragment, "missing protocol scheme");
      scheme = beforeFragment.slice(0, i).toLowerCase();
      rest = beforeFragment.slice(i + 1);
    }
    break;
  }

  let query: string | undefined;
  const q = rest.indexOf("?");
  if (q !== -1) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }

  const url: GoUrl = { raw, scheme, opaque: "", host: "", path: "", query, fragment };

  if (!rest.startsWith("/")) {
    if (scheme !== "") {
      url.opaque = rest;
      checkEscapes(fragment ?? "", raw, "fragment");
      return url;
    }
    const colon = rest.indexOf(":");
    const slash = rest.indexOf("/");
    if (colon !== -1 && (slash === -1 || colon < slash)) {
      throw invalidUri(beforeFragment, "first path segment in URL cannot contain colon");
    }
  }

  if ((scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash !== -1) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    url.authority = authority;
    parseAuthority(url, authority, beforeFragment);
  }

  checkEscapes(rest, beforeFragment, "path");
  url.path = rest;
  checkEscapes(fragment ?? "", raw, "fragment");
  return url;
}

function parseAuthority(url: GoUrl, authority: string, input: string): void {
  const at = authority.lastIndexOf("@");
  url.host = parseHost(at === -1 ? authority : authority.slice(at + 1), input);
  if (at === -1) return;
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) {
    throw invalidUri(input, "net/url: invalid userinfo");
  }
  checkEscapes(userinfo, input, "userinfo");
  url.user = userinfo;
}

function parseHost(host: string, input: string): string {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close === -1) throw invalidUri(input, "missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) {
      throw invalidUri(input, `invalid port ${goQuote(colonPort)} after host`);
    }
  } else {
    const colon = host.lastIndexOf(":");
    if (colon !== -1 && !validOptionalPort(host.slice(colon))) {
      throw invalidUri(input, `invalid port ${goQuote(host.slice(colon))} after host`);
    }
  }
  checkEscapes(host, input, "host");
  return decodeLossy(host);
}

function validOptionalPort(colonPort: string): boolean {
  return colonPort === "" || /^:[0-9]*$/.test(colonPort);
}

/** Go's `unescape` validation for one component (the decoding is done separately). */
function checkEscapes(
  text: string,
  input: string,
  mode: "host" | "path" | "userinfo" | "fragment",
) {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "%") {
      const escape = text.slice(i, i + 3);
      if (!/^%[0-9A-Fa-f]{2}$/.test(escape)) {
        throw invalidUri(input, `invalid URL escape ${goQuote(escape)}`);
      }
      if (mode === "host" && parseInt(escape[1], 16) < 8 && escape !== "%25") {
        throw invalidUri(input, `invalid URL escape ${goQuote(escape)}`);
      }
      i += 2;
    } else if (
      mode === "host" && c.charCodeAt(0) < 0x80 && !/[A-Za-z0-9!$&'()*+,;=:[\]<>"\-_.~]/.test(c)
    ) {
      throw invalidUri(input, `invalid character ${goQuote(c)} in host name`);
    }
  }
}

function percentDecode(text: string): Uint8Array {
  const utf8 = new TextEncoder();
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "%") {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const end = i + (text.codePointAt(i)! > 0xffff ? 2 : 1);
      bytes.push(...utf8.encode(text.slice(i, end)));
      i = end - 1;
    }
  }
  return new Uint8Array(bytes);
}

function decodeLossy(text: string): string {
  return text.includes("%") ? new TextDecoder().decode(percentDecode(text)) : text;
}

function decodePath(path: string, input: string): string {
  if (!path.includes("%")) return path;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(percentDecode(path));
  } catch (cause) {
    throw new TypeError(`${UNIX} path must be valid UTF-8: ${goQuote(input)}`, { cause });
  }
}

// --- IP addresses, as Go's net.ParseIP and net.IP.String ------------------------------

/** Parses dotted-decimal IPv4 (no leading zeros, as Go ≥ 1.17) into 16 bytes (v4-mapped). */
function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const ip = new Uint8Array(16);
  ip[10] = ip[11] = 0xff;
  for (let i = 0; i < 4; i++) {
    const part = parts[i];
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    ip[12 + i] = Number(part);
  }
  return ip;
}

/** Parses IPv6 (optionally ending in dotted IPv4; no zone) into 16 bytes. */
function parseIPv6(text: string): Uint8Array | undefined {
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  let i = 0;
  let s = text;
  if (s.startsWith("::")) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === "") return ip;
  }
  while (i < 16) {
    const group = /^[0-9A-Fa-f]{1,4}/.exec(s)?.[0];
    if (group === undefined) return undefined;
    if (s[group.length] === ".") {
      // Trailing IPv4.
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseIPv4(s);
      if (v4 === undefined) return undefined;
      ip.set(v4.subarray(12), i);
      i += 4;
      s = "";
      break;
    }
    const value = parseInt(group, 16);
    ip[i] = value >> 8;
    ip[i + 1] = value & 0xff;
    i += 2;
    s = s.slice(group.length);
    if (s === "") break;
    if (s[0] !== ":" || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s === "") break;
    }
  }
  if (s !== "") return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const tail = ip.slice(ellipsis, i);
    ip.fill(0, ellipsis);
    ip.set(tail, 16 - tail.length);
  } else if (ellipsis >= 0) {
    return undefined; // "::" must stand for at least one group.
  }
  return ip;
}

/** Go's `net.IP.String`: dotted IPv4 for v4-mapped addresses, else RFC 5952. */
function formatIp(ip: Uint8Array): string {
  if (ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) {
    return Array.from(ip.subarray(12)).join(".");
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i] << 8) | ip[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8;) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}
