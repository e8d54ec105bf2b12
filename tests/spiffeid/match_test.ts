// ID matchers (go-spiffe `spiffeid.Match*`, SPIFFE-RULES ID-22).
import assert from "node:assert";
import {
  matchAny,
  type Matcher,
  matchId,
  matchMemberOf,
  matchOneOf,
  SpiffeId,
  TrustDomain,
} from "../../mod.ts";
import { assertAuthorizationError } from "./_helpers.ts";

const id = (s: string) => SpiffeId.parse(s);
const td = (s: string) => TrustDomain.parse(s);

interface MatchCase {
  name: string;
  matcher: Matcher;
  input: string;
  /** `undefined` when the matcher must accept; else the exact error message. */
  error?: string;
}

const CASES: MatchCase[] = [
  // matchAny
  { name: "matchAny", matcher: matchAny(), input: "spiffe://example.org/server" },
  { name: "matchAny", matcher: matchAny(), input: "spiffe://example.org" },
  { name: "matchAny", matcher: matchAny(), input: "spiffe://other.org/a/b/c" },
  { name: "matchAny", matcher: matchAny(), input: "spiffe://1.2.3.4/x" },
  // matchId
  {
    name: "matchId",
    matcher: matchId(id("spiffe://example.org/server")),
    input: "spiffe://example.org/server",
  },
  {
    name: "matchId root",
    matcher: matchId(id("spiffe://example.org")),
    input: "spiffe://example.org",
  },
  {
    name: "matchId other path",
    matcher: matchId(id("spiffe://example.org/server")),
    input: "spiffe://example.org/client",
    error: 'unexpected ID "spiffe://example.org/client"',
  },
  {
    name: "matchId other trust domain",
    matcher: matchId(id("spiffe://example.org/server")),
    input: "spiffe://other.org/server",
    error: 'unexpected ID "spiffe://other.org/server"',
  },
  {
    name: "matchId path case",
    matcher: matchId(id("spiffe://example.org/server")),
    input: "spiffe://example.org/Server",
    error: 'unexpected ID "spiffe://example.org/Server"',
  },
  {
    name: "matchId longer path",
    matcher: matchId(id("spiffe://example.org/server")),
    input: "spiffe://example.org/server/x",
    error: 'unexpected ID "spiffe://example.org/server/x"',
  },
  {
    name: "matchId root vs path",
    matcher: matchId(id("spiffe://example.org/server")),
    input: "spiffe://example.org",
    error: 'unexpected ID "spiffe://example.org"',
  },
  {
    name: "matchId fromSegments",
    matcher: matchId(SpiffeId.fromSegments(td("example.org"), "a", "b")),
    input: "spiffe://example.org/a/b",
  },
  // matchOneOf
  {
    name: "matchOneOf first",
    matcher: matchOneOf(id("spiffe://example.org/a"), id("spiffe://example.org/b")),
    input: "spiffe://example.org/a",
  },
  {
    name: "matchOneOf second",
    matcher: matchOneOf(id("spiffe://example.org/a"), id("spiffe://example.org/b")),
    input: "spiffe://example.org/b",
  },
  {
    name: "matchOneOf other TD",
    matcher: matchOneOf(id("spiffe://example.org/a"), id("spiffe://other.org/b")),
    input: "spiffe://other.org/b",
  },
  {
    name: "matchOneOf none",
    matcher: matchOneOf(id("spiffe://example.org/a"), id("spiffe://example.org/b")),
    input: "spiffe://example.org/c",
    error: 'unexpected ID "spiffe://example.org/c"',
  },
  {
    name: "matchOneOf mixed parts",
    matcher: matchOneOf(id("spiffe://example.org/a"), id("spiffe://other.org/b")),
    input: "spiffe://example.org/b",
    error: 'unexpected ID "spiffe://example.org/b"',
  },
  {
    name: "matchOneOf empty list",
    matcher: matchOneOf(),
    input: "spiffe://example.org/a",
    error: 'unexpected ID "spiffe://example.org/a"',
  },
  // matchMemberOf
  {
    name: "matchMemberOf",
    matcher: matchMemberOf(td("example.org")),
    input: "spiffe://example.org/anything",
  },
  {
    name: "matchMemberOf root",
    matcher: matchMemberOf(td("example.org")),
    input: "spiffe://example.org",
  },
  {
    name: "matchMemberOf deep",
    matcher: matchMemberOf(td("spiffe://example.org/x")),
    input: "spiffe://example.org/a/b/c",
  },
  {
    name: "matchMemberOf other",
    matcher: matchMemberOf(td("example.org")),
    input: "spiffe://other.org/server",
    error: 'unexpected trust domain "other.org"',
  },
  {
    name: "matchMemberOf subdomain",
    matcher: matchMemberOf(td("example.org")),
    input: "spiffe://sub.example.org/server",
    error: 'unexpected trust domain "sub.example.org"',
  },
  {
    name: "matchMemberOf suffix",
    matcher: matchMemberOf(td("example.org")),
    input: "spiffe://example.org.evil",
    error: 'unexpected trust domain "example.org.evil"',
  },
  {
    name: "matchMemberOf trailing dot",
    matcher: matchMemberOf(td("example.org")),
    input: "spiffe://example.org./a",
    error: 'unexpected trust domain "example.org."',
  },
];

for (const c of CASES) {
  const verb = c.error === undefined ? "accepts" : "rejects";
  Deno.test(`${c.name} ${verb} ${JSON.stringify(c.input)}`, () => {
    const input = id(c.input);
    if (c.error === undefined) {
      assert.strictEqual(c.matcher(input), undefined);
    } else {
      assertAuthorizationError(() => c.matcher(input), c.error);
    }
  });
}

Deno.test("matchers are reusable and do not keep state", () => {
  const match = matchOneOf(id("spiffe://example.org/a"));
  for (let i = 0; i < 3; i++) {
    match(id("spiffe://example.org/a"));
    assertAuthorizationError(
      () => match(id("spiffe://example.org/b")),
      'unexpected ID "spiffe://example.org/b"',
    );
  }
});

Deno.test("matchId compares by value, not by object identity", () => {
  const expected = id("spiffe://example.org/server");
  matchId(expected)(SpiffeId.fromPath(td("example.org"), "/server"));
  matchOneOf(expected)(SpiffeId.fromSegments(td("example.org"), "server"));
});
