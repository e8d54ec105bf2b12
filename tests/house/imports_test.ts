// The house rules on private files (STYLE.md: `_` prefix for private helpers; DESIGN.md:
// src/_internal/ holds what several folders share, src/_proto/ the generated codec):
// - a folder under src/ imports another folder's `_` files only from those two homes;
// - every public name of the package (deno.json `exports`) is declared in a public file.
import assert from "node:assert";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { posix } from "node:path";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHARED_HOMES = ["src/_internal/", "src/_proto/"];

// Exceptions that wait for another branch. Each must still occur, so that it is deleted here
// once it is obsolete.
const PENDING_IMPORTS = new Set<string>([]);
const PENDING_PUBLIC = new Set<string>([]);

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
 * The imports of other folders' private files, as `importer -> target`, from import edges
 * given as repository-relative paths.
 *
 * @param edges `[importer, target]` pairs (`src/...`).
 * @returns The offending imports, sorted and unique.
 */
function crossFolderPrivateImports(edges: Iterable<[string, string]>): string[] {
  const found = new Set<string>();
  for (const [path, target] of edges) {
    if (!path.startsWith("src/") || !target.startsWith("src/") || !isPrivate(target)) continue;
    if (folderOf(target) === folderOf(path)) continue;
    if (SHARED_HOMES.some((home) => target.startsWith(home))) continue;
    found.add(`${path} -> ${target}`);
  }
  return [...found].sort();
}

/** The part of `deno info --json` read here: each module's resolved dependencies. */
interface InfoJson {
  modules: {
    specifier: string;
    dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
  }[];
}

/**
 * Every import edge between local files of the module graphs of `entries`, as Deno resolves
 * them: static, type-only, re-exports and dynamic imports alike, comments and strings not.
 */
async function importEdges(entries: string[]): Promise<[string, string][]> {
  const edges: [string, string][] = [];
  const local = (specifier: string) =>
    specifier.startsWith("file:") ? posix.relative(ROOT, fileURLToPath(specifier)) : undefined;
  for (const entry of entries) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.ok(output.success, `deno info --json ${entry} failed`);
    const info: InfoJson = JSON.parse(new TextDecoder().decode(output.stdout));
    for (const module of info.modules) {
      const from = local(module.specifier);
      if (from === undefined) continue;
      for (const dependency of module.dependencies ?? []) {
        for (const resolved of [dependency.code, dependency.type]) {
          const to = resolved && local(resolved.specifier);
          if (to !== undefined) edges.push([from, to]);
        }
      }
    }
  }
  return edges;
}

/** The package's entry points (deno.json `exports`). */
async function exportedEntries(): Promise<string[]> {
  const { exports } = JSON.parse(await readFile(`${ROOT}deno.json`, "utf8"));
  return Object.values(exports as Record<string, string>);
}

Deno.test("crossFolderPrivateImports flags only other folders' private files outside the homes", () => {
  assert.deepEqual(
    crossFolderPrivateImports([
      ["src/tls/a.ts", "src/svid/_chain.ts"],
      ["src/tls/b.ts", "src/tls/_own.ts"],
      ["src/tls/c.ts", "src/workloadapi/_proto/mod.ts"],
      ["src/svid/d.ts", "src/_helper.ts"],
      ["src/svid/f.ts", "src/_internal/pem.ts"],
      ["src/svid/f.ts", "src/_proto/mod.ts"],
      ["src/workloadapi/g.ts", "src/workloadapi/_proto/mod.ts"],
      ["src/workloadapi/g.ts", "src/bundle/x509_bundle.ts"],
      ["src/tls/a.ts", "src/svid/_chain.ts"],
    ]),
    [
      "src/svid/d.ts -> src/_helper.ts",
      "src/tls/a.ts -> src/svid/_chain.ts",
      "src/tls/c.ts -> src/workloadapi/_proto/mod.ts",
    ],
  );
});

/** The part of `deno doc --json` read here: where each public name is declared. */
interface DocJson {
  nodes: Record<
    string,
    { symbols: { name: string; declarations: { location: { filename: string } }[] }[] }
  >;
}

Deno.test("src/ imports another folder's private files only from src/_internal/ and src/_proto/", async () => {
  const edges = await importEdges(await exportedEntries());
  assert.ok(edges.length > 100, `saw only ${edges.length} imports`);
  const found = crossFolderPrivateImports(edges);
  const offending = found.filter((edge) => !PENDING_IMPORTS.has(edge));
  assert.deepEqual(offending, [], `give what they share one home in src/_internal/: ${offending}`);
  const obsolete = [...PENDING_IMPORTS].filter((edge) => !found.includes(edge));
  assert.deepEqual(obsolete, [], `delete from PENDING_IMPORTS: ${obsolete}`);
});

Deno.test("deno.json's exports declare every public name in a public file", async () => {
  const entries = await exportedEntries();
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
