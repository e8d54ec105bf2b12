// Arguments from JavaScript callers (issue 13): strings are accepted where a trust domain or ID
// is natural; any other type is refused at the call with a TypeError naming the call, the
// parameter, what it takes and what it got.
import assert from "node:assert/strict";
import {
  matchId,
  matchMemberOf,
  matchOneOf,
  SpiffeId,
  SpiffeIdError,
  TrustDomain,
} from "../../mod.ts";
import { E } from "./_helpers.ts";
import { assertThrowsReason } from "../_helpers/assert.ts";

const TD = TrustDomain.parse("example.org");
const ID = SpiffeId.parse("spiffe://example.org/server");
const TD_TEXT = "a trust domain string or TrustDomain";
const ID_TEXT = "a SPIFFE ID string or SpiffeId";

/** Calls `fn` with a wrongly typed argument; JavaScript callers get no compile-time check. */
// deno-lint-ignore no-explicit-any
type Untyped = any;

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`);
    assert.equal(err.message, message);
    return true;
  });
}

Deno.test("TrustDomain.parse and SpiffeId.parse refuse non-strings", () => {
  rejects(
    () => TrustDomain.parse(undefined as Untyped),
    "TrustDomain.parse(text): expected a trust domain string, got undefined",
  );
  rejects(
    () => SpiffeId.parse(undefined as Untyped),
    "SpiffeId.parse(text): expected a SPIFFE ID string, got undefined",
  );
  rejects(
    () => SpiffeId.parse(new URL("spiffe://example.org/a") as Untyped),
    "SpiffeId.parse(text): expected a SPIFFE ID string, got an instance of URL",
  );
});

Deno.test("what was given is described, never printed whole", () => {
  const cases: [unknown, string][] = [
    [null, "null"],
    [42, "number 42"],
    [true, "boolean true"],
    [3n, "bigint 3n"],
    [Symbol("td"), "a symbol"],
    [function named() {}, "function named"],
    [() => {}, "a function"],
    [["example.org"], "an array"],
    [{ name: "example.org" }, "an object"],
    [Object.create(null), "an object"],
    [ID, "an instance of SpiffeId"],
    [
      Object.create({
        get constructor() {
          throw new Error("a getter that throws is not run into");
        },
      }),
      "an object",
    ],
  ];
  for (const [value, given] of cases) {
    rejects(
      () => SpiffeId.fromPath(value as Untyped, "/a"),
      `SpiffeId.fromPath(trustDomain): expected ${TD_TEXT}, got ${given}`,
    );
  }
  // A string is only described where a string is the wrong type; it is cut at 40 characters.
  rejects(
    () => TD.equals("x".repeat(50) as Untyped),
    `TrustDomain.equals(other): expected a TrustDomain, got string "${"x".repeat(40)}…"`,
  );
});

Deno.test("an instance from another copy of the library is named as such", () => {
  class TrustDomain {}
  rejects(
    () => ID.memberOf(new TrustDomain() as Untyped),
    `SpiffeId.memberOf(trustDomain): expected ${TD_TEXT}, got a TrustDomain from another copy of spiffe-ts`,
  );
});

Deno.test("SpiffeId.fromPath and fromSegments take the trust domain as a string too", () => {
  assert.equal(SpiffeId.fromPath("example.org", "/a").toString(), "spiffe://example.org/a");
  assert.equal(
    SpiffeId.fromSegments("spiffe://example.org", "a", "b").toString(),
    "spiffe://example.org/a/b",
  );
  assertThrowsReason(
    () => SpiffeId.fromPath("Example.org", "/a"),
    SpiffeIdError,
    "ERR_SPIFFE_ID",
    E.tdChar.reason,
    E.tdChar.message,
  );
  rejects(
    () => SpiffeId.fromPath(TD, undefined as Untyped),
    "SpiffeId.fromPath(path): expected a string, got undefined",
  );
  rejects(
    () => SpiffeId.fromSegments(undefined as Untyped, "a"),
    `SpiffeId.fromSegments(trustDomain): expected ${TD_TEXT}, got undefined`,
  );
  // Before: a number segment was turned into the path "/5".
  rejects(
    () => SpiffeId.fromSegments(TD, "a", 5 as Untyped),
    "SpiffeId.fromSegments(segments[1]): expected a string, got number 5",
  );
});

Deno.test("memberOf takes a string; equals takes only its own class", () => {
  assert.equal(ID.memberOf("example.org"), true);
  assert.equal(ID.memberOf("spiffe://other.org"), false);
  rejects(
    () => ID.memberOf(undefined as Untyped),
    `SpiffeId.memberOf(trustDomain): expected ${TD_TEXT}, got undefined`,
  );
  rejects(
    () => ID.equals("spiffe://example.org/server" as Untyped),
    'SpiffeId.equals(other): expected a SpiffeId, got string "spiffe://example.org/server"',
  );
  rejects(
    () => TD.equals(ID as Untyped),
    "TrustDomain.equals(other): expected a TrustDomain, got an instance of SpiffeId",
  );
});

Deno.test("matchers take strings and refuse other types when built", () => {
  matchId("spiffe://example.org/server")(ID);
  matchOneOf("spiffe://example.org/a", ID)(ID);
  matchMemberOf("example.org")(ID);
  rejects(
    () => matchId(undefined as Untyped),
    `matchId(expected): expected ${ID_TEXT}, got undefined`,
  );
  rejects(
    () => matchOneOf(ID, null as Untyped),
    `matchOneOf(expected[1]): expected ${ID_TEXT}, got null`,
  );
  rejects(
    () => matchMemberOf(TD.name.length as Untyped),
    `matchMemberOf(trustDomain): expected ${TD_TEXT}, got number 11`,
  );
  assertThrowsReason(
    () => matchId("spiffe://example.org/a/"),
    SpiffeIdError,
    "ERR_SPIFFE_ID",
    E.trailing.reason,
    E.trailing.message,
  );
});
