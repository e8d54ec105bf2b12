import assert from "node:assert/strict";
import {
  AuthorizationError,
  authorizeAny,
  authorizeId,
  authorizeMatches,
  authorizeMemberOf,
  authorizeOneOf,
  SpiffeId,
  SpiffeIdError,
  TrustDomain,
} from "../../mod.ts";
import { assertThrowsReason, assertThrowsSpiffe } from "../_helpers/assert.ts";

const server = SpiffeId.parse("spiffe://example.org/server");
const client = SpiffeId.parse("spiffe://example.org/client");
const foreign = SpiffeId.parse("spiffe://other.org/server");

function refuses(fn: () => unknown, message: string) {
  assertThrowsSpiffe(fn, AuthorizationError, "ERR_AUTHORIZATION", message);
}

Deno.test("authorizeAny allows every verified peer", () => {
  authorizeAny()(foreign, []);
});

Deno.test("authorizeId allows one ID, given as an ID or a string", () => {
  for (const authorize of [authorizeId(server), authorizeId("spiffe://example.org/server")]) {
    authorize(server, []);
    refuses(() => authorize(client, []), 'unexpected ID "spiffe://example.org/client"');
    refuses(() => authorize(foreign, []), 'unexpected ID "spiffe://other.org/server"');
  }
});

Deno.test("authorizeOneOf allows only the listed IDs", () => {
  const authorize = authorizeOneOf(server, "spiffe://example.org/client");
  authorize(server, []);
  authorize(client, []);
  refuses(() => authorize(foreign, []), 'unexpected ID "spiffe://other.org/server"');
  refuses(() => authorizeOneOf()(server, []), 'unexpected ID "spiffe://example.org/server"');
});

Deno.test("authorizeMemberOf allows a whole trust domain", () => {
  for (
    const authorize of [authorizeMemberOf("example.org"), authorizeMemberOf(server.trustDomain)]
  ) {
    authorize(server, []);
    authorize(client, []);
    refuses(() => authorize(foreign, []), 'unexpected trust domain "other.org"');
  }
});

Deno.test("authorizeMatches adapts any matcher", () => {
  const seen: string[] = [];
  const authorize = authorizeMatches((id) => {
    seen.push(id.toString());
    if (id.path !== "/server") throw new AuthorizationError(`unexpected ID "${id}"`);
  });
  authorize(server, []);
  refuses(() => authorize(client, []), 'unexpected ID "spiffe://example.org/client"');
  assert.deepEqual(seen, [server.toString(), client.toString()]);
});

Deno.test("authorizers refuse to be built from invalid IDs", () => {
  assert.throws(() => authorizeId("spiffe://example.org/"), SpiffeIdError);
  assert.throws(() => authorizeMemberOf("Example.org"), SpiffeIdError);
  assert.ok(TrustDomain.parse("example.org"));
});

Deno.test("authorizers refuse arguments of the wrong type when built, naming the call", () => {
  // deno-lint-ignore no-explicit-any
  const untyped = (value: unknown) => value as any;
  const cases: [() => unknown, string][] = [
    [
      () => authorizeId(untyped(undefined)),
      "authorizeId(id): expected a SPIFFE ID string or SpiffeId, got undefined",
    ],
    [
      () => authorizeId(untyped(server.trustDomain)),
      "authorizeId(id): expected a SPIFFE ID string or SpiffeId, got an instance of TrustDomain",
    ],
    [
      () => authorizeOneOf(server, untyped(7)),
      "authorizeOneOf(ids[1]): expected a SPIFFE ID string or SpiffeId, got number 7",
    ],
    [
      () => authorizeMemberOf(untyped(undefined)),
      "authorizeMemberOf(trustDomain): expected a trust domain string or TrustDomain, got undefined",
    ],
    [
      () => authorizeMemberOf(untyped(server)),
      "authorizeMemberOf(trustDomain): expected a trust domain string or TrustDomain, got an instance of SpiffeId",
    ],
    [
      () => authorizeMatches(untyped("spiffe://example.org/server")),
      'authorizeMatches(matcher): expected a Matcher function, got string "spiffe://example.org/server"',
    ],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`);
      assert.equal(err.message, message);
      return true;
    });
  }
});

Deno.test("authorizers built from invalid strings name the rule that was broken", () => {
  assertThrowsReason(
    () => authorizeId("spiffe://example.org/"),
    SpiffeIdError,
    "ERR_SPIFFE_ID",
    "trailing-slash",
    "path cannot have a trailing slash",
  );
  assertThrowsReason(
    () => authorizeOneOf(server, "example.org/client"),
    SpiffeIdError,
    "ERR_SPIFFE_ID",
    "wrong-scheme",
    "scheme is missing or invalid",
  );
  assertThrowsReason(
    () => authorizeMemberOf("Example.org"),
    SpiffeIdError,
    "ERR_SPIFFE_ID",
    "bad-trust-domain-char",
    "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
  );
});
