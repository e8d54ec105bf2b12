import assert from "node:assert/strict";
import { assertSupportedRuntime, older } from "../../src/tls/_runtime_version.ts";

Deno.test("runtime versions older than the minimum are recognised", () => {
  assert.equal(older("2.8.9", [2, 9]), true);
  assert.equal(older("1.46.3", [2, 9]), true);
  assert.equal(older("2.9.0", [2, 9]), false);
  assert.equal(older("2.10.1", [2, 9]), false);
  assert.equal(older("3.0.0", [2, 9]), false);
  assert.equal(older("18.20.4", [20, 0]), true);
  assert.equal(older("20.0.0", [20, 0]), false);
});

Deno.test("this runtime is supported", () => {
  assertSupportedRuntime();
});
