// Runs `pbiviz package` and fails on any error line it prints: pbiviz exits 0 even when its lint
// or certification audit reports errors (see docs/toolchain.md). The one expected line is its
// built-in lint looking for src/, which our layout (visual/) does not have; eslint covers it.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const pbivizBin = path.join(path.dirname(require.resolve("powerbi-visuals-tools/package.json")), "bin", "pbiviz.js");
const extra = process.argv.slice(2);
const result = spawnSync(process.execPath, [pbivizBin, "package", ...extra], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
process.stdout.write(output);
const expected = /Can't run lint validation/;
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const errors = output
  .split(/\r?\n/)
  .map((l) => l.replace(ansi, ""))
  .filter((l) => /^\s*error\b|\bERROR in\b/.test(l) && !expected.test(l));
const built = existsSync("dist") && readdirSync("dist").some((f) => f.endsWith(".pbiviz"));
if (result.status !== 0 || errors.length > 0 || !built) {
  console.error(`\npackage-visual: failed (exit ${result.status}, ${errors.length} error line(s)${built ? "" : ", no .pbiviz in dist/"})`);
  for (const e of errors) console.error(`  ${e.trim()}`);
  process.exit(1);
}
console.log("\npackage-visual: ok");
