// The Go emulation behind address.ts, in one place: as much of Go's `net/url.Parse` as
// go-spiffe's `TargetFromAddress` checks look at (scheme, opaque part, authority, user
// info, host, path, query, fragment, and Go's parse errors word for word), and Go's
// `net.ParseIP` / `net.IP.String` for the TCP host. Nothing here knows about SPIFFE.
import { goQuote } from "../_internal/go_quote.ts";

/** The parts of a Go `url.URL` that go-spiffe looks at. */
export interface GoUrl {
  /** The input. */
  raw: string;
  /** Lowercased, as Go does. */
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

/** A `net/url` parse error; the message is Go's, e.g. `parse "\t": net/url: invalid ...`. */
export class GoUrlError extends Error {}

function invalidUri(input: string, reason: string): GoUrlError {
  return new GoUrlError(`parse ${goQuote(input)}: ${reason}`);
}

/** Go's `url.Parse`, as far as the endpoint checks need it. */
export function parseGoUrl(raw: string): GoUrl {
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

/** The bytes of a (validly) percent-escaped string. */
export function percentDecode(text: string): Uint8Array {
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

/** Go's `URL.Hostname`/`URL.Port` split, remembering whether the host was bracketed. */
export function splitHostPort(
  host: string,
): { hostname: string; bracketed: boolean; port: string } {
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

// --- IP addresses, as Go's net.ParseIP and net.IP.String ------------------------------

/** Parses dotted-decimal IPv4 (no leading zeros, as Go ≥ 1.17) into 16 bytes (v4-mapped). */
export function parseIPv4(text: string): Uint8Array | undefined {
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
export function parseIPv6(text: string): Uint8Array | undefined {
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
export function formatIp(ip: Uint8Array): string {
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
