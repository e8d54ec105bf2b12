// A user's first `deno task demo` installs what deno.lock lists. Build-only tools (the
// TypeScript compiler of dnt.ts, protobufjs-cli of proto/generate.ts and what they pull in:
// jsdoc, babel) live in build.lock instead. (grpc-js's proto-loader brings protobufjs 7,
// whose postinstall only checks version schemes: deno.json denies it, so no warning box.)
import assert from "node:assert/strict";

const BUILD_ONLY = ["typescript", "protobufjs-cli", "jsdoc", "@babel/parser"];

Deno.test("deno.lock holds no build-only tool, build.lock holds them", async () => {
  const lock = JSON.parse(await Deno.readTextFile(new URL("../../deno.lock", import.meta.url)));
  const build = JSON.parse(await Deno.readTextFile(new URL("../../build.lock", import.meta.url)));
  const packages = (file: { npm?: Record<string, unknown> }) => Object.keys(file.npm ?? {});
  for (const tool of BUILD_ONLY) {
    const found = packages(lock).filter((name) => name === tool || name.startsWith(`${tool}@`));
    assert.deepEqual(found, [], `deno.lock lists ${tool}: run build tasks with --lock=build.lock`);
  }
  assert.ok(
    packages(build).some((name) => name.startsWith("typescript@")),
    "build.lock: typescript",
  );
});
