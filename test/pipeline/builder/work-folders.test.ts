import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { collectEnvironment, isWorkDirOf, workDirName } from "../../../pipeline/lake/collect.js";
import { LAKE_DIR, newGeneration } from "../../../pipeline/lake/manifest.js";

const out = mkdtempSync(path.join(os.tmpdir(), "padlens-work-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// Found by the shard bench: `pull --env contoso-prod` removed the work folder of `contoso-prod-2`'s build,
// running at the same time into the same folder, whose next DuckDB load then found no spool file.
it("a build's clean-up removes its own environment's leftover work folders, never those of an environment whose name extends it", async () => {
    const lake = path.join(out, LAKE_DIR);
    const mine = path.join(lake, workDirName("contoso-prod", newGeneration(new Date("2026-12-01T10:00:00Z"))));
    const other = path.join(lake, workDirName("contoso-prod-2", newGeneration()));
    for (const d of [mine, other]) {
        mkdirSync(path.join(d, "spool"), { recursive: true });
        writeFileSync(path.join(d, "spool", "runs-00000.jsonl"), "{}\n");
    }
    await collectEnvironment(out, "contoso-prod", null, new Date(), 0);
    expect([existsSync(mine), existsSync(other)]).toEqual([false, true]);
    expect(isWorkDirOf(path.basename(other), "contoso-prod-2")).toBe(true);
    expect(isWorkDirOf(path.basename(other), "contoso-prod")).toBe(false);
});
