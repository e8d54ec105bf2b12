// The TLS building blocks (issue #10 §1) under Node 20, against the npm build; Deno runs
// the same scenarios against the sources (tests/tls/building_blocks_test.ts).
import { test } from "node:test";
import * as lib from "../../npm/esm/mod.js";
import * as devagent from "../../npm/esm/src/devagent/mod.js";
import { buildingBlockScenarios } from "../tls/_building_block_scenarios.mjs";

for (const { name, fn } of buildingBlockScenarios(lib, devagent, "node")) {
  test(name, fn);
}
