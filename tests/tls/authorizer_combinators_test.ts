// authorizeIdPrefix (go-spiffe v2.9.0's AuthorizeIDPrefix) and the combinators
// authorizeAnyOf / authorizeAllOf, with go-spiffe's refusal texts.
import assert from "node:assert/strict";
import {
  AuthorizationError,
  authorizeAllOf,
  authorizeAnyOf,
  authorizeId,
  authorizeIdPrefix,
  authorizeMemberOf,
  matchIdPrefix,
  SpiffeId,
} from "../../mod.ts";
import { assertThrowsSpiffe } from "../_helpers/assert.ts";

const id = (text: string) => SpiffeId.parse(text);

function refuses(fn: () => unknown, message: string) {
  assertThrowsSpiffe(fn, AuthorizationError, "ERR_AUTHORIZATION", message);
}

Deno.test("authorizeIdPrefix allows the prefix and IDs below it on a segment boundary", () => {
  const authorize = authorizeIdPrefix("spiffe://example.org/db");
  authorize(id("spiffe://example.org/db"), []);
  authorize(id("spiffe://example.org/db/replica"), []);
  authorize(id("spiffe://example.org/db/replica/2"), []);
  refuses(
    () => authorize(id("spiffe://example.org/dbx"), []),
    'unexpected ID "spiffe://example.org/dbx"',
  );
  refuses(
    () => authorize(id("spiffe://example.org/d"), []),
    'unexpected ID "spiffe://example.org/d"',
  );
  refuses(() => authorize(id("spiffe://example.org"), []), 'unexpected ID "spiffe://example.org"');
  refuses(
    () => authorize(id("spiffe://other.org/db/replica"), []),
    'unexpected ID "spiffe://other.org/db/replica"',
  );
});

Deno.test("authorizeIdPrefix and matchIdPrefix refuse a prefix without a path at once", () => {
  assert.throws(() => authorizeIdPrefix("spiffe://example.org"), {
    name: "TypeError",
    message: 'matchIdPrefix(prefix): prefix must have a path, got "spiffe://example.org"',
  });
  assert.throws(() => matchIdPrefix(undefined as unknown as string), TypeError);
});

Deno.test("authorizeAnyOf allows what any allows, else throws the first refusal", () => {
  const authorize = authorizeAnyOf(
    authorizeId("spiffe://example.org/admin"),
    authorizeMemberOf("partner.example"),
  );
  authorize(id("spiffe://example.org/admin"), []);
  authorize(id("spiffe://partner.example/anyone"), []);
  refuses(
    () => authorize(id("spiffe://example.org/other"), []),
    'unexpected ID "spiffe://example.org/other"',
  );
});

Deno.test("authorizeAllOf allows only what all allow, throwing the first refusal", () => {
  const authorize = authorizeAllOf(
    authorizeMemberOf("example.org"),
    authorizeIdPrefix("spiffe://example.org/payments"),
  );
  authorize(id("spiffe://example.org/payments/api"), []);
  refuses(
    () => authorize(id("spiffe://other.org/payments/api"), []),
    'unexpected trust domain "other.org"',
  );
  refuses(
    () => authorize(id("spiffe://example.org/web"), []),
    'unexpected ID "spiffe://example.org/web"',
  );
});

Deno.test("the combinators need at least one authorizer, each a function", () => {
  assert.throws(() => authorizeAnyOf(), {
    name: "TypeError",
    message: "authorizeAnyOf: at least one authorizer is required",
  });
  assert.throws(() => authorizeAllOf(authorizeId("spiffe://example.org/a"), "x" as never), {
    name: "TypeError",
    message: /^authorizeAllOf\(authorizers\[1\]\): expected an Authorizer function, got/,
  });
});
