import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Where the output of the last `pbiviz package --certification-audit` is kept for tests to read. */
export const PACKAGE_LOG = path.resolve("test-output", "package-visual.log");

function newestSource(root: string): number {
    let newest = 0;
    for (const e of readdirSync(path.join(root, "visual"), { recursive: true, withFileTypes: true })) {
        if (e.isFile()) newest = Math.max(newest, statSync(path.join(e.parentPath, e.name)).mtimeMs);
    }
    for (const f of ["capabilities.json", "pbiviz.json", "tsconfig.json", "package-lock.json"]) newest = Math.max(newest, statSync(path.join(root, f)).mtimeMs);
    return newest;
}

/**
 * Vitest global setup: packages the visual once (with the certification audit) when dist/ has no .pbiviz
 * newer than the visual's sources. The browser test and the demo test both load that package; packaging
 * it from two workers at once would make pbiviz trample its own .tmp folder.
 */
export default function setup(): void {
    const root = path.resolve(".");
    const dist = path.join(root, "dist");
    const built = (() => {
        try {
            return readdirSync(dist).filter((f) => f.endsWith(".pbiviz")).map((f) => statSync(path.join(dist, f)).mtimeMs);
        } catch {
            return [];
        }
    })();
    mkdirSync(path.dirname(PACKAGE_LOG), { recursive: true });
    if (built.length > 0 && Math.max(...built) > newestSource(root) && statSync(PACKAGE_LOG, { throwIfNoEntry: false })) return;
    const result = spawnSync(process.execPath, [path.join(root, "scripts", "package-visual.mjs"), "--certification-audit"], { cwd: root, encoding: "utf8" });
    writeFileSync(PACKAGE_LOG, `${result.stdout ?? ""}${result.stderr ?? ""}`);
    if (result.status !== 0) throw new Error(`packaging the visual failed (exit ${result.status}); see ${PACKAGE_LOG}`);
}
