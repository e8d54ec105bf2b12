// Workload API endpoint addresses: every row of SPIFFE-RULES §5.2 (go-spiffe's
// TargetFromAddress, with its exact messages), plus the stricter rejections the standard
// asks for (WL-06, WL-07) and the SPIFFE_ENDPOINT_SOCKET fallback (WL-04).
import assert from "node:assert/strict";
import process from "node:process";
import {
  defaultEndpointAddress,
  type EndpointAddress,
  parseEndpointAddress,
  resolveEndpointAddress,
  SOCKET_ENV,
} from "../../src/workloadapi/address.ts";

const UNIX = "workload endpoint unix socket URI";
const TCP = "workload endpoint tcp socket URI";
const SCHEME = 'workload endpoint socket URI must have a "tcp" or "unix" scheme';
const INVALID = "workload endpoint socket is not a valid URI: ";

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

const rejected: [string, string][] = [
  // §5.2, unix.
  ["unix:run/agent.sock", `${UNIX} must not be opaque`],
  ["unix://", `${UNIX} must include a path`],
  ["unix:", `${UNIX} must include a path`],
  ["unix:///tmp/a.sock?x=1", `${UNIX} must not include query values`],
  ["unix:///tmp/a.sock#f", `${UNIX} must not include a fragment`],
  ["unix://user@/tmp/a.sock", `${UNIX} must not include user info`],
  ["unix://@/tmp/a.sock", `${UNIX} must not include user info`],
  // §5.2, tcp.
  ["tcp:127.0.0.1:8081", `${TCP} must not be opaque`],
  ["tcp://u:p@127.0.0.1:8081", `${TCP} must not include user info`],
  ["tcp://", `${TCP} must include a host`],
  ["tcp:", `${TCP} must include a host`],
  ["tcp://127.0.0.1:8081/", `${TCP} must not include a path`],
  ["tcp://127.0.0.1:8081/foo", `${TCP} must not include a path`],
  ["tcp://127.0.0.1:8081?x", `${TCP} must not include query values`],
  ["tcp://127.0.0.1:8081#x", `${TCP} must not include a fragment`],
  ["tcp://localhost:8081", `${TCP} host component must be an IP:port`],
  ["tcp://foo", `${TCP} host component must be an IP:port`],
  ["tcp://127.0.0.1", `${TCP} host component must include a port`],
  ["tcp://127.0.0.1:", `${TCP} host component must include a port`],
  ["tcp://[::1]", `${TCP} host component must include a port`],
  ["tcp://[::1]:", `${TCP} host component must include a port`],
  // §5.2, scheme.
  ["/tmp/agent.sock", SCHEME],
  ["http://127.0.0.1:8081", SCHEME],
  ["", SCHEME],
  ["npipe:agent", SCHEME],
  ["unixx:///tmp/a.sock", SCHEME],
  ["tmp/agent.sock", SCHEME],
  // §5.2, not a URI at all (Go's net/url errors, quoted with %q).
  ["\t", `${INVALID}parse "\\t": net/url: invalid control character in URL`],
  [
    "unix:///tmp/a\x7f.sock",
    `${INVALID}parse "unix:///tmp/a\\x7f.sock": net/url: invalid control character in URL`,
  ],
  [
    "unix:///tmp/a\n#frag",
    `${INVALID}parse "unix:///tmp/a\\n": net/url: invalid control character in URL`,
  ],
  [":foo", `${INVALID}parse ":foo": missing protocol scheme`],
  ["1a:b", `${INVALID}parse "1a:b": first path segment in URL cannot contain colon`],
  ["tcp://127.0.0.1:abc", `${INVALID}parse "tcp://127.0.0.1:abc": invalid port ":abc" after host`],
  ["tcp://[::1]x:80", `${INVALID}parse "tcp://[::1]x:80": invalid port "x:80" after host`],
  ["tcp://[::1:80", `${INVALID}parse "tcp://[::1:80": missing ']' in host`],
  ["unix:///tmp/%zz", `${INVALID}parse "unix:///tmp/%zz": invalid URL escape "%zz"`],
  ["unix:///tmp/%", `${INVALID}parse "unix:///tmp/%": invalid URL escape "%"`],
  ["unix:///tmp/a#%zz", `${INVALID}parse "unix:///tmp/a#%zz": invalid URL escape "%zz"`],
  ["tcp://127.0.0.1%3a8081", `${INVALID}parse "tcp://127.0.0.1%3a8081": invalid URL escape "%3a"`],
  ["tcp://a b:80", `${INVALID}parse "tcp://a b:80": invalid character " " in host name`],
  ["tcp://us er@1.2.3.4:80", `${INVALID}parse "tcp://us er@1.2.3.4:80": net/url: invalid userinfo`],

  // Stricter than go-spiffe (REC): WE §4 forbids an authority on unix URIs.
  ["unix://host/tmp/a.sock", `${UNIX} must not include an authority`],
  ["unix://agent.sock", `${UNIX} must not include an authority`],
  ["unix://localhost/tmp/a.sock", `${UNIX} must not include an authority`],
  ["unix://:80/tmp/a.sock", `${UNIX} must not include an authority`],
  // ... relative paths (go-spiffe already refuses them as opaque).
  ["unix:agent.sock", `${UNIX} must not be opaque`],
  ["unix:./agent.sock", `${UNIX} must not be opaque`],
  // ... empty query and fragment components (go-spiffe accepts "?" and "#" alone).
  ["unix:///tmp/a.sock?", `${UNIX} must not include query values`],
  ["unix:///tmp/a.sock#", `${UNIX} must not include a fragment`],
  ["tcp://127.0.0.1:8081?", `${TCP} must not include query values`],
  ["tcp://127.0.0.1:8081#", `${TCP} must not include a fragment`],
  // ... ports outside 1-65535.
  ["tcp://127.0.0.1:0", `${TCP} port must be between 1 and 65535`],
  ["tcp://127.0.0.1:65536", `${TCP} port must be between 1 and 65535`],
  ["tcp://[::1]:99999999999999999999", `${TCP} port must be between 1 and 65535`],
  // ... host names and anything else that is not a literal IP (WL-07).
  ["tcp://example.org:8081", `${TCP} host component must be an IP:port`],
  ["tcp://[localhost]:8081", `${TCP} host component must be an IP:port`],
  ["tcp://:8081", `${TCP} host component must be an IP:port`],
  ["tcp://127.1:8081", `${TCP} host component must be an IP:port`],
  ["tcp://127.000.0.1:8081", `${TCP} host component must be an IP:port`],
  ["tcp://256.0.0.1:8081", `${TCP} host component must be an IP:port`],
  ["tcp://1.2.3.4.5:8081", `${TCP} host component must be an IP:port`],
  ["tcp://0x7f.0.0.1:8081", `${TCP} host component must be an IP:port`],
  // ... IPv6 outside brackets (go-spiffe accepts "tcp://::1:8081"), IPv4 inside them,
  // zones, and malformed IPv6.
  ["tcp://::1:8081", `${TCP} host component must be an IP:port`],
  ["tcp://[127.0.0.1]:8081", `${TCP} host component must be an IP:port`],
  ["tcp://[fe80::1%25eth0]:8081", `${TCP} host component must be an IP:port`],
  ["tcp://[1:2:3:4:5:6:7:8:9]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[1:2:3:4:5:6:7]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[1::2::3]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[12345::1]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[1:2:3:4:5:6:7::8]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[:1]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[1:]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[1:2:3:4:5:6:1.2.3.4:5]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[1:2:3:4:5:1.2.3.4]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[::1.2.3]:1", `${TCP} host component must be an IP:port`],
  ["tcp://[]:1", `${TCP} host component must be an IP:port`],
  // Socket paths must be representable as strings.
  ["unix:///tmp/%ff.sock", `${UNIX} path must be valid UTF-8: "unix:///tmp/%ff.sock"`],
];

for (const [address, want] of accepted) {
  Deno.test(`parseEndpointAddress accepts ${JSON.stringify(address)}`, () => {
    assert.deepEqual(parseEndpointAddress(address), want);
  });
}

for (const [address, message] of rejected) {
  Deno.test(`parseEndpointAddress rejects ${JSON.stringify(address)}`, () => {
    assert.throws(() => parseEndpointAddress(address), (err) => {
      assert.ok(err instanceof TypeError, `not a TypeError: ${err}`);
      assert.equal(err.message, message);
      return true;
    });
  });
}

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
    assert.throws(() => resolveEndpointAddress(), {
      name: "TypeError",
      message: "workload endpoint socket address is not configured",
    });
  } finally {
    if (saved === undefined) delete process.env[SOCKET_ENV];
    else process.env[SOCKET_ENV] = saved;
  }
});

Deno.test("resolveEndpointAddress: explicit wins, then SPIFFE_ENDPOINT_SOCKET, else an error", () => {
  const env = { SPIFFE_ENDPOINT_SOCKET: "unix:///env.sock" };
  assert.deepEqual(resolveEndpointAddress("tcp://127.0.0.1:1", env), tcp("127.0.0.1", 1));
  assert.deepEqual(resolveEndpointAddress(undefined, env), unix("/env.sock"));
  // As in go-spiffe, an empty explicit address counts as not configured.
  assert.deepEqual(resolveEndpointAddress("", env), unix("/env.sock"));
  for (const explicit of [undefined, ""]) {
    assert.throws(() => resolveEndpointAddress(explicit, {}), {
      name: "TypeError",
      message: "workload endpoint socket address is not configured",
    });
  }
  // A set but empty or bad variable is parsed, and refused with the parse error.
  assert.throws(() => resolveEndpointAddress(undefined, { SPIFFE_ENDPOINT_SOCKET: "" }), {
    name: "TypeError",
    message: SCHEME,
  });
  assert.throws(() => resolveEndpointAddress(undefined, { SPIFFE_ENDPOINT_SOCKET: "unix://h/x" }), {
    name: "TypeError",
    message: `${UNIX} must not include an authority`,
  });
  // An explicit bad address is not replaced by a good variable.
  assert.throws(() => resolveEndpointAddress("tcp://localhost:1", env), {
    name: "TypeError",
    message: `${TCP} host component must be an IP:port`,
  });
});
