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
import { assertThrowsSpiffe } from "../_helpers/assert.ts";

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
