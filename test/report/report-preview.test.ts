import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtPackage } from "../../demo/visual-package.js";
import { CHROMIUM_PATH } from "../../demo/preview/screenshots.js";
import { runBuild } from "../../pipeline/builder/run-build.js";
import { generateDataset } from "../../simulator/sample/index.js";
import { buildReportScenes, writeReportPreview } from "../../report/scripts/report-preview.js";
import { PADLENS_VISUALS } from "../../report/scripts/report-pages.js";
import { rawStoreFromSample } from "../support/raw-store-from-sample.js";

// Each page's padlens visual rendered on a real build's Parquet, with the page's own bindings (the demo's step).
describe("report page previews: the padlens visual of each page on real Parquet", () => {
    let out: string;
    let instance: DuckDBInstance;
    let con: DuckDBConnection;

    beforeAll(async () => {
        out = mkdtempSync(path.join(os.tmpdir(), "padlens-report-preview-"));
        await rawStoreFromSample(out, generateDataset({ seed: 7, days: 3, scale: 0.1 }));
        await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 1 } });
        instance = await DuckDBInstance.create(":memory:", { threads: "1" });
        con = await instance.connect();
    }, 120_000);
    afterAll(() => {
        con?.closeSync();
        instance?.closeSync();
        rmSync(out, { recursive: true, force: true });
    });

    it("builds one scene per page's padlens visual, its rows in the order of the visual's bound roles", async () => {
        const scenes = await buildReportScenes(con, out);
        expect(scenes.map((s) => s.id)).toEqual(PADLENS_VISUALS.map((v) => `report-${v.page}-${v.name}`));
        for (const [i, s] of scenes.entries()) {
            expect(s.roles.map((r) => r.role)).toEqual(Object.keys(PADLENS_VISUALS[i].roles));
            expect(s.rows.length, s.id).toBeGreaterThan(0);
            for (const row of s.rows) expect(row).toHaveLength(s.roles.length);
        }
        const [timeline, heatmap] = scenes;
        // One run, labelled with flow, local start and status; its actions with UTC start times.
        const run = timeline.roles.findIndex((r) => r.role === "run");
        expect(new Set(timeline.rows.map((r) => r[run])).size).toBe(1);
        expect(String(timeline.rows[0][run])).toMatch(/ · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d · /);
        const start = timeline.roles.findIndex((r) => r.role === "start");
        expect(String(timeline.rows.find((r) => r[start] !== null)![start])).toMatch(/Z$/);
        // The heatmap reads the hourly rollup, its Start the local (wall-clock) hour: no zone.
        const hour = heatmap.roles.findIndex((r) => r.role === "start");
        expect(heatmap.roles[hour]).toEqual({ role: "start", column: "ActionHourly.local_hour_start", type: "localDateTime" });
        expect(String(heatmap.rows[0][hour])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000$/);
    });

    it.skipIf(!existsSync(CHROMIUM_PATH))("renders each page's visual with the packaged .pbiviz: painted, no errors, no network", async () => {
        const built = builtPackage(path.resolve("."));
        if (!built) throw new Error("no dist/*.pbiviz: the vitest global setup packages it (npm run package)");
        // A copy: dist/ may be repackaged while the test runs.
        const pbiviz = path.join(out, "padlens.pbiviz");
        copyFileSync(built, pbiviz);
        const previewDir = path.join(out, "preview");
        const preview = await writeReportPreview(con, out, pbiviz, previewDir, { screenshots: true });
        expect(preview.problems).toEqual([]);
        expect(preview.screenshots.map((f) => path.basename(f)).sort()).toEqual(
            [...PADLENS_VISUALS.map((v) => `report-${v.page}-${v.name}.png`), "report-pages.png"].sort(),
        );
        for (const [scene, pixels] of Object.entries(preview.paintedPixels)) expect(pixels, scene).toBeGreaterThan(500);
        for (const f of preview.screenshots) expect(readFileSync(f).subarray(1, 4).toString()).toBe("PNG");
        expect(existsSync(path.join(previewDir, ".report-pages"))).toBe(false);
    }, 120_000);
});
