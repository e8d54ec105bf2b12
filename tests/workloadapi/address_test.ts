// Workload API endpoint addresses: every row of SPIFFE-RULES §5.2 (go-spiffe's
// TargetFromAddress, in its words except where those do not say what is wrong), plus the
// stricter rejections the standard asks for (WL-06, WL-07) and the SPIFFE_ENDPOINT_SOCKET
// fallback (WL-04). Every refusal is an EndpointAddressError that names the value, where
// it came from, and the fix.
import assert from "node:assert/strict";
import process from "node:process";
import { EndpointAddressError, type EndpointAddressOrigin } from "../../mod.ts";
import {
  defaultEndpointAddress,
  type EndpointAddress,
  parseEndpointAddress,
  resolveEndpoint,
  resolveEndpointAddress,
  SOCKET_ENV,
} from "../../src/workloadapi/address.ts";
import { goQuote } from "../../src/_internal/go_quote.ts";

const UNIX = "workload endpoint unix socket URI";
const TCP = "workload endpoint tcp socket URI";
const SCHEME = 'workload endpoint socket URI must have a "tcp" or "unix" scheme';
const INVALID = "workload endpoint socket is not a valid URI: ";
const NOT_CONFIGURED = "workload endpoint socket address is not configured: set " +
  "SPIFFE_ENDPOINT_SOCKET or pass the address option, e.g. unix:///run/spire/sockets/agent.sock";

const FIX_UNIX = "use unix:///absolute/path";
const FIX_UNIX_AUTHORITY = "use unix:///absolute/path (three slashes)";
const FIX_TCP = "use tcp://IP:port, e.g. tcp://127.0.0.1:8081";
const FIX_TCP_IP = "use tcp://IP:port, e.g. tcp://127.0.0.1:8081 (an IP, not a name)";
const FIX_ANY = "use unix:///absolute/path or tcp://IP:port";

/** The message of a refused address: the reason, the value and its origin, the fix. */
function refusal(
  address: string,
  reason: string,
  fix: string,
  origin: EndpointAddressOrigin = "address option",
): string {
  const from = origin === "SPIFFE_ENDPOINT_SOCKET" ? origin : "the address option";
  return `${reason}: ${from} is ${goQuote(address)}; ${fix}`;
}

/** Asserts that `fn` throws the EndpointAddressError for `address`. */
function assertRefused(
  fn: () => unknown,
  address: string | undefined,
  message: string,
  origin?: EndpointAddressOrigin,
): void {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof EndpointAddressError, `not an EndpointAddressError: ${err}`);
    assert.equal(err.code, "ERR_ENDPOINT_ADDRESS");
    assert.equal(err.message, message);
    assert.equal(err.address, address);
    assert.equal(err.origin, origin);
    return true;
  });
}

function unix(path: string): EndpointAddress {
  return { kind: "unix", path, target: `unix://${path}` };
}

function tcp(host: string, port: number): EndpointAddress {
  const target = host.includes(":") ? `ipv6:[${host}]:${port}` : `ipv4:${host}:${port}`;
  return { kind: "tcp", host, port, target };
}

const accepted: [string, EndpointAddress][] = [
  // §5.2 rows that go-spiffe accepts.
  ["unix:///run/spire/sockets/agent.sock", unix("/run/spire/sockets/agent.sock")],
  ["unix:/run/spire/agent.sock", unix("/run/spire/agent.sock")],
  ["tcp://127.0.0.1:8081", tcp("127.0.0.1", 8081)],
  ["tcp://[::1]:8081", tcp("::1", 8081)],
  // Go lowercases the scheme.
  ["UNIX:///x", unix("/x")],
  ["Unix:/tmp/agent.sock", unix("/tmp/agent.sock")],
  ["TCP://127.0.0.1:8081", tcp("127.0.0.1", 8081)],
  // The path is percent-decoded; the target carries the decoded path (grpc-js does not
  // decode).
  ["unix:///tmp/a%20b.sock", unix("/tmp/a b.sock")],
  ["unix:///tmp/%C3%BC.sock", unix("/tmp/ü.sock")],
  ["unix:///tmp/a%3Fb", unix("/tmp/a?b")],
  ["unix:///tmp/ü.sock", unix("/tmp/ü.sock")],
  ["unix:///", unix("/")],
  ["unix:////double", unix("//double")],
  // IP addresses come out as Go's net.IP.String prints them.
  ["tcp://[0:0:0:0:0:0:0:1]:8081", tcp("::1", 8081)],
  ["tcp://[2001:DB8:0:0:1:0:0:1]:443", tcp("2001:db8::1:0:0:1", 443)],
  ["tcp://[2001:db8:0:0:0:0:2:1]:1", tcp("2001:db8::2:1", 1)],
  ["tcp://[1:0:0:2:0:0:0:3]:2", tcp("1:0:0:2::3", 2)],
  ["tcp://[1:2:3:4:5:6:7:8]:3", tcp("1:2:3:4:5:6:7:8", 3)],
  ["tcp://[1:0:3:4:5:6:7:8]:3", tcp("1:0:3:4:5:6:7:8", 3)],
  ["tcp://[::]:4", tcp("::", 4)],
  ["tcp://[1::]:4", tcp("1::", 4)],
  ["tcp://[::ffff:127.0.0.1]:8081", tcp("127.0.0.1", 8081)],
  ["tcp://[::ffff:7f00:1]:8081", tcp("127.0.0.1", 8081)],
  ["tcp://[64:ff9b::192.0.2.33]:8081", tcp("64:ff9b::c000:221", 8081)],
  ["tcp://0.0.0.0:65535", tcp("0.0.0.0", 65535)],
  ["tcp://127.0.0.1:08081", tcp("127.0.0.1", 8081)],
];

const rejected: [string, string, string][] = [
  // §5.2, unix.
  ["unix:run/agent.sock", `${UNIX} must have an absolute path`, FIX_UNIX],
  ["unix://", `${UNIX} must include a path`, FIX_UNIX],
  ["unix:", `${UNIX} must include a path`, FIX_UNIX],
  ["unix:///tmp/a.sock?x=1", `${UNIX} must not include query values`, FIX_UNIX],
  ["unix:///tmp/a.sock#f", `${UNIX} must not include a fragment`, FIX_UNIX],
  ["unix://user@/tmp/a.sock", `${UNIX} must not include user info`, FIX_UNIX],
  ["unix://@/tmp/a.sock", `${UNIX} must not include user info`, FIX_UNIX],
  // §5.2, tcp.
  ["tcp:127.0.0.1:8081", `${TCP} must have "//" before the host`, FIX_TCP],
  ["tcp://u:p@127.0.0.1:8081", `${TCP} must not include user info`, FIX_TCP],
  ["tcp://", `${TCP} must include a host`, FIX_TCP],
  ["tcp:", `${TCP} must include a host`, FIX_TCP],
  ["tcp://127.0.0.1:8081/", `${TCP} must not include a path`, FIX_TCP],
  ["tcp://127.0.0.1:8081/foo", `${TCP} must not include a path`, FIX_TCP],
  ["tcp://127.0.0.1:8081?x", `${TCP} must not include query values`, FIX_TCP],
  ["tcp://127.0.0.1:8081#x", `${TCP} must not include a fragment`, FIX_TCP],
  ["tcp://localhost:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://foo", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://127.0.0.1", `${TCP} host component must include a port`, FIX_TCP],
  ["tcp://127.0.0.1:", `${TCP} host component must include a port`, FIX_TCP],
  ["tcp://[::1]", `${TCP} host component must include a port`, FIX_TCP],
  ["tcp://[::1]:", `${TCP} host component must include a port`, FIX_TCP],
  // §5.2, scheme.
  ["/tmp/agent.sock", SCHEME, "use unix:///tmp/agent.sock"],
  ["http://127.0.0.1:8081", SCHEME, FIX_ANY],
  ["", SCHEME, FIX_ANY],
  ["npipe:agent", SCHEME, FIX_ANY],
  ["unixx:///tmp/a.sock", SCHEME, FIX_ANY],
  ["tmp/agent.sock", SCHEME, FIX_ANY],
  // §5.2, not a URI at all (Go's net/url errors, quoted with %q).
  ["\t", `${INVALID}parse "\\t": net/url: invalid control character in URL`, FIX_ANY],
  [
    "unix:///tmp/a\x7f.sock",
    `${INVALID}parse "unix:///tmp/a\\x7f.sock": net/url: invalid control character in URL`,
    FIX_ANY,
  ],
  [
    "unix:///tmp/a\n#frag",
    `${INVALID}parse "unix:///tmp/a\\n": net/url: invalid control character in URL`,
    FIX_ANY,
  ],
  [":foo", `${INVALID}parse ":foo": missing protocol scheme`, FIX_ANY],
  ["1a:b", `${INVALID}parse "1a:b": first path segment in URL cannot contain colon`, FIX_ANY],
  [
    "tcp://127.0.0.1:abc",
    `${INVALID}parse "tcp://127.0.0.1:abc": invalid port ":abc" after host`,
    FIX_ANY,
  ],
  ["tcp://[::1]x:80", `${INVALID}parse "tcp://[::1]x:80": invalid port "x:80" after host`, FIX_ANY],
  ["tcp://[::1:80", `${INVALID}parse "tcp://[::1:80": missing ']' in host`, FIX_ANY],
  ["unix:///tmp/%zz", `${INVALID}parse "unix:///tmp/%zz": invalid URL escape "%zz"`, FIX_ANY],
  ["unix:///tmp/%", `${INVALID}parse "unix:///tmp/%": invalid URL escape "%"`, FIX_ANY],
  ["unix:///tmp/a#%zz", `${INVALID}parse "unix:///tmp/a#%zz": invalid URL escape "%zz"`, FIX_ANY],
  [
    "tcp://127.0.0.1%3a8081",
    `${INVALID}parse "tcp://127.0.0.1%3a8081": invalid URL escape "%3a"`,
    FIX_ANY,
  ],
  ["tcp://a b:80", `${INVALID}parse "tcp://a b:80": invalid character " " in host name`, FIX_ANY],
  [
    "tcp://us er@1.2.3.4:80",
    `${INVALID}parse "tcp://us er@1.2.3.4:80": net/url: invalid userinfo`,
    FIX_ANY,
  ],

  // Stricter than go-spiffe (REC): WE §4 forbids an authority on unix URIs.
  ["unix://host/tmp/a.sock", `${UNIX} must not include an authority`, FIX_UNIX_AUTHORITY],
  ["unix://agent.sock", `${UNIX} must not include an authority`, FIX_UNIX_AUTHORITY],
  ["unix://localhost/tmp/a.sock", `${UNIX} must not include an authority`, FIX_UNIX_AUTHORITY],
  ["unix://:80/tmp/a.sock", `${UNIX} must not include an authority`, FIX_UNIX_AUTHORITY],
  // ... relative paths (go-spiffe already refuses them as opaque).
  ["unix:agent.sock", `${UNIX} must have an absolute path`, FIX_UNIX],
  ["unix:./agent.sock", `${UNIX} must have an absolute path`, FIX_UNIX],
  // ... empty query and fragment components (go-spiffe accepts "?" and "#" alone).
  ["unix:///tmp/a.sock?", `${UNIX} must not include query values`, FIX_UNIX],
  ["unix:///tmp/a.sock#", `${UNIX} must not include a fragment`, FIX_UNIX],
  ["tcp://127.0.0.1:8081?", `${TCP} must not include query values`, FIX_TCP],
  ["tcp://127.0.0.1:8081#", `${TCP} must not include a fragment`, FIX_TCP],
  // ... ports outside 1-65535.
  ["tcp://127.0.0.1:0", `${TCP} port must be between 1 and 65535`, FIX_TCP],
  ["tcp://127.0.0.1:65536", `${TCP} port must be between 1 and 65535`, FIX_TCP],
  ["tcp://[::1]:99999999999999999999", `${TCP} port must be between 1 and 65535`, FIX_TCP],
  // ... host names and anything else that is not a literal IP (WL-07).
  ["tcp://example.org:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[localhost]:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://127.1:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://127.000.0.1:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://256.0.0.1:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://1.2.3.4.5:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://0x7f.0.0.1:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  // ... IPv6 outside brackets (go-spiffe accepts "tcp://::1:8081"), IPv4 inside them,
  // zones, and malformed IPv6.
  ["tcp://::1:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[127.0.0.1]:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[fe80::1%25eth0]:8081", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[1:2:3:4:5:6:7:8:9]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[1:2:3:4:5:6:7]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[1::2::3]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[12345::1]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[1:2:3:4:5:6:7::8]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[:1]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[1:]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[1:2:3:4:5:6:1.2.3.4:5]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[1:2:3:4:5:1.2.3.4]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[::1.2.3]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  ["tcp://[]:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP],
  // Socket paths must be representable as strings.
  ["unix:///tmp/%ff.sock", `${UNIX} path must be valid UTF-8`, FIX_UNIX],
];

for (const [address, want] of accepted) {
  Deno.test(`parseEndpointAddress accepts ${JSON.stringify(address)}`, () => {
    assert.deepEqual(parseEndpointAddress(address), want);
  });
}

for (const [address, reason, fix] of rejected) {
  Deno.test(`parseEndpointAddress rejects ${JSON.stringify(address)}`, () => {
    assertRefused(
      () => parseEndpointAddress(address),
      address,
      refusal(address, reason, fix),
      "address option",
    );
    assertRefused(
      () => parseEndpointAddress(address, "SPIFFE_ENDPOINT_SOCKET"),
      address,
      refusal(address, reason, fix, "SPIFFE_ENDPOINT_SOCKET"),
      "SPIFFE_ENDPOINT_SOCKET",
    );
  });
}

Deno.test("address errors say what to write instead", () => {
  // The relative path go-spiffe calls "opaque".
  assertRefused(
    () => parseEndpointAddress("unix:run/agent.sock", "SPIFFE_ENDPOINT_SOCKET"),
    "unix:run/agent.sock",
    "workload endpoint unix socket URI must have an absolute path: " +
      'SPIFFE_ENDPOINT_SOCKET is "unix:run/agent.sock"; use unix:///absolute/path',
    "SPIFFE_ENDPOINT_SOCKET",
  );
  // A bare path: the fix is the same path with the scheme.
  assertRefused(
    () => parseEndpointAddress("/run/spire/agent.sock"),
    "/run/spire/agent.sock",
    'workload endpoint socket URI must have a "tcp" or "unix" scheme: ' +
      'the address option is "/run/spire/agent.sock"; use unix:///run/spire/agent.sock',
    "address option",
  );
  // Two slashes make the first path segment a host.
  assertRefused(
    () => parseEndpointAddress("unix://tmp/agent.sock"),
    "unix://tmp/agent.sock",
    "workload endpoint unix socket URI must not include an authority: " +
      'the address option is "unix://tmp/agent.sock"; use unix:///absolute/path (three slashes)',
    "address option",
  );
  // Control characters are quoted as Go quotes them.
  assertRefused(
    () => parseEndpointAddress("unix:///tmp/a\x7f.sock"),
    "unix:///tmp/a\x7f.sock",
    'workload endpoint socket is not a valid URI: parse "unix:///tmp/a\\x7f.sock": net/url: ' +
      'invalid control character in URL: the address option is "unix:///tmp/a\\x7f.sock"; ' +
      "use unix:///absolute/path or tcp://IP:port",
    "address option",
  );
});

Deno.test("defaultEndpointAddress reads SPIFFE_ENDPOINT_SOCKET, raw", () => {
  assert.equal(SOCKET_ENV, "SPIFFE_ENDPOINT_SOCKET");
  assert.equal(defaultEndpointAddress({ SPIFFE_ENDPOINT_SOCKET: "unix:/x" }), "unix:/x");
  assert.equal(defaultEndpointAddress({ SPIFFE_ENDPOINT_SOCKET: "not a uri" }), "not a uri");
  assert.equal(defaultEndpointAddress({ SPIFFE_ENDPOINT_SOCKET: "" }), "");
  assert.equal(defaultEndpointAddress({ OTHER: "unix:/x" }), undefined);
});

Deno.test("defaultEndpointAddress defaults to process.env", () => {
  const saved = process.env[SOCKET_ENV];
  try {
    process.env[SOCKET_ENV] = "unix:///from/env.sock";
    assert.equal(defaultEndpointAddress(), "unix:///from/env.sock");
    assert.deepEqual(resolveEndpointAddress(), unix("/from/env.sock"));
    delete process.env[SOCKET_ENV];
    assert.equal(defaultEndpointAddress(), undefined);
    assertRefused(() => resolveEndpointAddress(), undefined, NOT_CONFIGURED);
  } finally {
    if (saved === undefined) delete process.env[SOCKET_ENV];
    else process.env[SOCKET_ENV] = saved;
  }
});

Deno.test("resolveEndpoint: explicit wins, then SPIFFE_ENDPOINT_SOCKET, else an error", () => {
  const env = { SPIFFE_ENDPOINT_SOCKET: "unix:///env.sock" };
  assert.deepEqual(resolveEndpoint("tcp://127.0.0.1:1", env), {
    address: "tcp://127.0.0.1:1",
    origin: "address option",
    endpoint: tcp("127.0.0.1", 1),
  });
  assert.deepEqual(resolveEndpoint(undefined, env), {
    address: "unix:///env.sock",
    origin: "SPIFFE_ENDPOINT_SOCKET",
    endpoint: unix("/env.sock"),
  });
  // As in go-spiffe, an empty explicit address counts as not configured.
  assert.deepEqual(resolveEndpointAddress("", env), unix("/env.sock"));
  for (const explicit of [undefined, ""]) {
    assertRefused(() => resolveEndpointAddress(explicit, {}), undefined, NOT_CONFIGURED);
  }
  // A set but empty or bad variable is parsed, and refused naming the variable.
  assertRefused(
    () => resolveEndpointAddress(undefined, { SPIFFE_ENDPOINT_SOCKET: "" }),
    "",
    refusal("", SCHEME, FIX_ANY, "SPIFFE_ENDPOINT_SOCKET"),
    "SPIFFE_ENDPOINT_SOCKET",
  );
  assertRefused(
    () => resolveEndpointAddress(undefined, { SPIFFE_ENDPOINT_SOCKET: "unix://h/x" }),
    "unix://h/x",
    refusal(
      "unix://h/x",
      `${UNIX} must not include an authority`,
      FIX_UNIX_AUTHORITY,
      "SPIFFE_ENDPOINT_SOCKET",
    ),
    "SPIFFE_ENDPOINT_SOCKET",
  );
  // An explicit bad address is not replaced by a good variable.
  assertRefused(
    () => resolveEndpointAddress("tcp://localhost:1", env),
    "tcp://localhost:1",
    refusal("tcp://localhost:1", `${TCP} host component must be an IP:port`, FIX_TCP_IP),
    "address option",
  );
});
