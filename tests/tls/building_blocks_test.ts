// The TLS building blocks (configs, clientConnectionOptions, serverContextOptions,
// verifyPeer, spiffeConnect, spiffeServer) against the sources; Node runs the same
// scenarios against the npm build (tests/node/building_blocks.test.mjs).
import * as lib from "../../mod.ts";
import * as devagent from "../../src/devagent/mod.ts";
import { buildingBlockScenarios } from "./_building_block_scenarios.mjs";

for (const { name, fn } of buildingBlockScenarios(lib, devagent, "deno")) {
  Deno.test(name, fn);
}
