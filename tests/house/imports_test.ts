// The house rules on private files (STYLE.md: `_` prefix for private helpers; DESIGN.md:
// src/_internal/ holds what several folders share, src/_proto/ the generated codec):
// - a folder under src/ imports another folder's `_` files only from those two homes;
// - every public name of the package (deno.json `exports`) is declared in a public file.
import assert from "node:assert";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { posix } from "node:path";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHARED_HOMES = ["src/_internal/", "src/_proto/"];

// Exceptions that wait for another branch. Each must still occur, so that it is deleted here
// once it is obsolete.
const PENDING_IMPORTS = new Set([
  // h13-workloadapi moves src/workloadapi/_proto/ to src/_proto/.
  "src/devagent/_handlers.ts -> src/workloadapi/_proto/methods.ts",
  "src/devagent/_handlers.ts -> src/workloadapi/_proto/struct.ts",
  // Then workloadapi/address.ts imports _internal/go_quote.ts, and src/_go_quote.ts goes.
  "src/workloadapi/address.ts -> src/_go_quote.ts",
]);
const PENDING_PUBLIC = new Set([
  // src/workloadapi/ is h13-workloadapi's: SourceOptions moves to a public file there.
  "SourceOptions in src/workloadapi/_source_core.ts",
]);

/** Whether a path under src/ is private: a `_` file, or a file in a `_` folder. */
function isPrivate(path: string): boolean {
  return path.split("/").slice(1).some((segment) => segment.startsWith("_"));
}

/** The folder a file belongs to: `src/<folder>`, or `src` for the files at its top. */
function folderOf(path: string): string {
  const segments = path.split("/");
  return segments.length > 2 ? `${segments[0]}/${segments[1]}` : segments[0];
}

/**
 * The imports of other folders' private files in a set of sources, as `importer -> target`.
 *
 * @param sources Source text by path relative to the repository (`src/...`).
 * @returns The offending imports, sorted.
 */
function crossFolderPrivateImports(sources: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [path, text] of sources) {
    // The TypeScript scanner: multi-line, type-only, re-exports and dynamic imports, no comments.
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const target = posix.join(posix.dirname(path), fileName);
      if (!target.startsWith("src/") || !isPrivate(target)) continue;
      if (folderOf(target) === folderOf(path)) continue;
      if (SHARED_HOMES.some((home) => target.startsWith(home))) continue;
      found.push(`${path} -> ${target}`);
    }
  }
  return found.sort();
}

/** The part of `deno doc --json` read here: where each public name is declared. */
interface DocJson {
  nodes: Record<
    string,
    { symbols: { name: string; declarations: { location: { filename: string } }[] }[] }
  >;
}

async function readSources(dir: string): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  for (const entry of await readdir(`${ROOT}${dir}`, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|js|mjs)$/.test(entry.name)) continue;
    const path = posix.join(posix.relative(ROOT, entry.parentPath), entry.name);
    sources.set(path, await readFile(`${ROOT}${path}`, "utf8"));
  }
  return sources;
}

Deno.test("crossFolderPrivateImports sees multi-line, type, re-export and dynamic imports only", () => {
  const sources = new Map([
    ["src/tls/a.ts", 'import {\n  one,\n  two,\n} from "../svid/_chain.ts";\n'],
    ["src/tls/b.ts", 'import type { T } from "../bundle/_jwk.ts";\nexport * from "./_own.ts";'],
    ["src/tls/c.ts", 'export { x } from "../workloadapi/_proto/mod.ts";'],
    ["src/svid/d.ts", 'const m = await import("../_helper.ts");'],
    ["src/svid/e.ts", '// import "../tls/_old.ts"\nconst s = "from \'../tls/_str.ts\'";'],
    ["src/svid/f.ts", 'import "../_internal/pem.ts";\nimport "../_proto/mod.ts";'],
    ["src/workloadapi/g.ts", 'import "./_proto/mod.ts";\nimport "../bundle/x509_bundle.ts";'],
  ]);
  assert.deepEqual(crossFolderPrivateImports(sources), [
    "src/svid/d.ts -> src/_helper.ts",
    "src/tls/a.ts -> src/svid/_chain.ts",
    "src/tls/b.ts -> src/bundle/_jwk.ts",
    "src/tls/c.ts -> src/workloadapi/_proto/mod.ts",
  ]);
});

Deno.test("src/ imports another folder's private files only from src/_internal/ and src/_proto/", async () => {
  const sources = await readSources("src");
  assert.ok(sources.size > 50, `read only ${sources.size} files`);
  const found = crossFolderPrivateImports(sources);
  const offending = found.filter((edge) => !PENDING_IMPORTS.has(edge));
  assert.deepEqual(offending, [], `give what they share one home in src/_internal/: ${offending}`);
  const obsolete = [...PENDING_IMPORTS].filter((edge) => !found.includes(edge));
  assert.deepEqual(obsolete, [], `delete from PENDING_IMPORTS: ${obsolete}`);
});

Deno.test("deno.json's exports declare every public name in a public file", async () => {
  const { exports } = JSON.parse(await readFile(`${ROOT}deno.json`, "utf8"));
  const entries = Object.values(exports as Record<string, string>);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...entries],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(output.success, "deno doc --json failed");
  const doc: DocJson = JSON.parse(new TextDecoder().decode(output.stdout));
  const found: string[] = [];
  let names = 0;
  for (const { symbols } of Object.values(doc.nodes)) {
    for (const { name, declarations } of symbols) {
      names++;
      for (const { location } of declarations) {
        const path = posix.relative(ROOT, fileURLToPath(location.filename));
        if (path.startsWith("src/") && isPrivate(path)) found.push(`${name} in ${path}`);
      }
    }
  }
  assert.ok(names > 100, `saw only ${names} public names`);
  const offending = found.filter((entry) => !PENDING_PUBLIC.has(entry));
  assert.deepEqual(offending, [], `declare them in a public file of their folder: ${offending}`);
  const obsolete = [...PENDING_PUBLIC].filter((entry) => !found.includes(entry));
  assert.deepEqual(obsolete, [], `delete from PENDING_PUBLIC: ${obsolete}`);
});
