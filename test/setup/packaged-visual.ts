import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freshPackage } from "../../demo/visual-package.js";

/** Where the output of the last `pbiviz package --certification-audit` is kept for tests to read. */
export const PACKAGE_LOG = path.resolve("test-output", "package-visual.log");

/**
 * Vitest global setup: packages the visual once (with the certification audit) when dist/ has no .pbiviz
 * newer than the visual's sources. The browser test and the demo test both load that package; packaging
 * it from two workers at once would make pbiviz trample its own .tmp folder.
 */
export default function setup(): void {
    const root = path.resolve(".");
    mkdirSync(path.dirname(PACKAGE_LOG), { recursive: true });
    if (freshPackage(root) && existsSync(PACKAGE_LOG)) return;
    const result = spawnSync(process.execPath, [path.join(root, "scripts", "package-visual.mjs"), "--certification-audit"], { cwd: root, encoding: "utf8" });
    writeFileSync(PACKAGE_LOG, `${result.stdout ?? ""}${result.stderr ?? ""}`);
    if (result.status !== 0) throw new Error(`packaging the visual failed (exit ${result.status}); see ${PACKAGE_LOG}`);
}
