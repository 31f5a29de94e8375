import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runDemo, type DemoResult } from "../../demo/run.js";
import { mDeclaredColumnTypes } from "../../report/scripts/m-columns.js";
import { parquetColumnTypesAsM } from "../../report/scripts/parquet-columns.js";

// The demo at a reduced size: the same code path as `npm run demo`, with a week of a tenth of the runs.
describe("npm run demo (reduced size)", () => {
    let result: DemoResult;
    beforeAll(async () => {
        result = await runDemo({ out: path.resolve("test-output", "demo"), seed: 42, days: 7, scale: 0.1, reusePackage: true, screenshots: true, quiet: true });
    }, 300_000);

    it("pulls every environment into Parquet whose counts match what the generator produced", () => {
        expect(result.counts.length).toBe(result.manifest.environments.length);
        for (const c of result.counts) {
            expect(c.runsInParquet, c.env).toBe(c.runsExpected);
            expect(c.actionsInParquet, c.env).toBe(c.actionsExpected);
        }
        // The sample plants malformed logs: they are quarantined (exit 3), never lost or fatal.
        expect(result.pullExitCode).toBe(3);
    });

    it("names every planted bottleneck at the top of its bottleneck table", () => {
        const planted = result.manifest.bottlenecks;
        expect(planted.length).toBeGreaterThanOrEqual(2);
        const top = result.bottlenecks.slice(0, planted.length);
        for (const p of planted) {
            const hit = top.find((b) => b.env === p.env && b.actionName === p.actionName && b.subflow === p.subflow
                && (p.kind === "slow-on-machine" ? b.dimension === "machine" && b.where === p.machineName : b.dimension === "hour" && b.where.split(", ").some((h) => p.peakHoursUtc?.includes(Number(h)))));
            expect(hit, `${p.kind} ${p.actionName} in ${p.env}`).toBeDefined();
        }
        // ...and nothing the generator did not plant (a timed-out run's hung action is not a bottleneck).
        expect(result.bottlenecks).toHaveLength(planted.length);
    });

    it("leaves a packaged visual, a preview page and screenshots the visual actually painted", () => {
        expect(existsSync(result.pbiviz)).toBe(true);
        expect(readFileSync(result.previewHtml, "utf8")).toContain("Timeline of a failed run");
        expect(result.screenshots.map((s) => path.basename(s)).sort()).toEqual(["bottleneck-heatmap-2.png", "bottleneck-heatmap.png", "failed-run.png", "preview.png", "report-overview-bottleneckHeatmap.png", "report-pages.png", "report-runDetails-runTimeline.png", "run-comparison.png"]);
        for (const [scene, pixels] of Object.entries(result.paintedPixels)) expect(pixels, scene).toBeGreaterThan(500);
        for (const s of result.screenshots) expect(readFileSync(s).subarray(1, 4).toString()).toBe("PNG");
    });

    it("ends with a read-only retention plan: what purging runs older than 14 days would free, and that it is safe", () => {
        expect(result.retention).toMatch(/^retention: a purge would delete [\d,]+ runs in 3 environments, freeing ~.+ of file capacity and [\d,]+ flowsession rows; safe: it deletes only runs padlens has archived and verified.*Nothing was changed\.$/);
    });

    it("writes the Power BI project next to the Parquet, with the data path filled in and the visual registered", () => {
        expect(existsSync(result.reportProject)).toBe(true);
        const semantic = readdirSync(path.dirname(result.reportProject), { recursive: true }).map(String);
        expect(semantic.some((f) => f.includes("CustomVisuals"))).toBe(true);
        const expressions = readFileSync(path.join(path.dirname(result.reportProject), "padlens.SemanticModel", "definition", "expressions.tmdl"), "utf8");
        expect(expressions).toContain(JSON.stringify(result.dataDir).slice(1, -1));
    });

    it("writes Parquet whose columns are typed exactly as the Power Query kit declares them", async () => {
        const declared = await mDeclaredColumnTypes();
        const actual = await parquetColumnTypesAsM(result.dataDir, Object.keys(declared));
        expect(actual).toEqual(declared);
    });
});
