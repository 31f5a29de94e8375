import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import JSZip from "jszip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtPackage } from "../../demo/visual-package.js";
import { modelColumns } from "../../report/scripts/dax-references.js";
import { MODEL_TABLES, parseMeasures, WHAT_IF } from "../../report/scripts/generate-report.js";
import { validatePbipProject } from "../../report/scripts/pbip-schemas.js";
import { PADLENS_VISUAL_GUID, PADLENS_VISUALS, PAGES, pageFields } from "../../report/scripts/report-pages.js";
import { readPbivizFiles, writeReportProject } from "../../report/scripts/write-project.js";

const root = path.resolve(".");
const capabilities = JSON.parse(readFileSync(path.join(root, "capabilities.json"), "utf8")) as { dataRoles: { name: string; kind: string }[] };

describe("report pages are bound to the semantic model", () => {
    const columns = modelColumns();
    const measures = new Map<string, Set<string>>();
    for (const m of parseMeasures()) measures.set(m.table, (measures.get(m.table) ?? new Set()).add(m.name));
    measures.set(WHAT_IF.table, (measures.get(WHAT_IF.table) ?? new Set()).add(WHAT_IF.measure));

    it("Overview and Run details, in that order", () => {
        expect(PAGES.map((p) => p.displayName)).toEqual(["Overview", "Run details"]);
    });

    it("every field a visual uses is a column or measure of the model", () => {
        const fields = pageFields();
        expect(fields.length).toBeGreaterThan(40);
        for (const f of fields) {
            expect(MODEL_TABLES, `${f.table}`).toContain(f.table);
            const known = f.kind === "column" ? columns.get(f.table)?.has(f.name) : measures.get(f.table)?.has(f.name);
            expect(known, `${f.kind} ${f.table}[${f.name}]`).toBe(true);
        }
    });

    it("the padlens visual fills only roles it declares, with columns (Don't summarize), Run from run_label", () => {
        const roles = new Map(capabilities.dataRoles.map((r) => [r.name, r.kind]));
        for (const v of PADLENS_VISUALS) {
            for (const [role, f] of Object.entries(v.roles)) {
                expect(roles.has(role), `${v.name}: role ${role}`).toBe(true);
                expect(f.kind, `${v.name}.${role}`).toBe("column");
            }
        }
        const timeline = PADLENS_VISUALS.find((v) => v.objects.view?.mode === "timeline")!;
        expect(timeline.roles.run).toEqual({ kind: "column", table: "Actions", name: "run_label" });
        const heatmap = PADLENS_VISUALS.find((v) => v.objects.view?.mode === "heatmap")!;
        expect(Object.values(heatmap.roles).filter((f) => f.table !== "Flows" && f.table !== "Machines").every((f) => f.table === "ActionHourly")).toBe(true);
        // Hour and weekday in the environment's local time.
        expect(heatmap.roles.start.name).toBe("local_hour_start");
    });
});

describe("writeReportProject: a ready-to-open project with the data path filled in and the visual registered", () => {
    const temp = mkdtempSync(path.join(os.tmpdir(), "padlens-project-"));
    // A copy: dist/ may be repackaged while the test runs.
    const pbiviz = path.join(temp, "padlens.pbiviz");
    const dataPath = path.join(temp, "data folder \"x\" #(tab)");
    const outDir = path.join(temp, "project");
    let written: Awaited<ReturnType<typeof writeReportProject>>;

    beforeAll(async () => {
        const built = builtPackage(root);
        if (!built) throw new Error("no dist/*.pbiviz: the vitest global setup packages it (npm run package)");
        copyFileSync(built, pbiviz);
        written = await writeReportProject(outDir, dataPath, pbiviz);
    });
    afterAll(() => rmSync(temp, { recursive: true, force: true }));

    it("validates against the schemas, like the committed project", () => {
        expect(validatePbipProject(outDir)).toEqual([]);
        expect(existsSync(written.pbip)).toBe(true);
    });

    it("stores the .pbiviz as Desktop stores an imported visual: its files, byte for byte, under CustomVisuals/<guid>, listed in report.json", async () => {
        expect(written.visualGuid).toBe(PADLENS_VISUAL_GUID);
        const report = JSON.parse(readFileSync(path.join(outDir, "padlens.Report/definition/report.json"), "utf8")) as {
            resourcePackages: { name: string; type: string; items: { name: string; path: string; type: string }[] }[];
        };
        const pkg = report.resourcePackages.find((p) => p.type === "CustomVisual")!;
        expect(pkg.name).toBe(PADLENS_VISUAL_GUID);
        expect(pkg.items).toEqual([{ name: `${PADLENS_VISUAL_GUID}.pbiviz.json`, path: `${PADLENS_VISUAL_GUID}.pbiviz.json`, type: "CustomVisualMetadata" }]);
        // Every registered item resolves to a file where Desktop looks for it.
        for (const p of report.resourcePackages) {
            for (const item of p.items) {
                const dir = p.type === "CustomVisual" ? `CustomVisuals/${p.name}/resources` : `StaticResources/${p.type}`;
                expect(existsSync(path.join(outDir, "padlens.Report", dir, item.path)), `${dir}/${item.path}`).toBe(true);
            }
        }
        const zip = await JSZip.loadAsync(readFileSync(pbiviz));
        for (const entry of Object.values(zip.files).filter((e) => !e.dir)) {
            const copy = readFileSync(path.join(outDir, "padlens.Report/CustomVisuals", PADLENS_VISUAL_GUID, entry.name));
            expect(copy.equals(await entry.async("nodebuffer")), entry.name).toBe(true);
        }
        // The pages' padlens visuals use the registered visual.
        for (const v of PADLENS_VISUALS) {
            const visual = JSON.parse(readFileSync(path.join(outDir, "padlens.Report/definition/pages", v.page, "visuals", v.name, "visual.json"), "utf8")) as { visual: { visualType: string } };
            expect(visual.visual.visualType).toBe(PADLENS_VISUAL_GUID);
        }
    });

    it("fills in PadlensFolder (as an M text literal) and the Folder source", () => {
        const expressions = readFileSync(path.join(outDir, "padlens.SemanticModel/definition/expressions.tmdl"), "utf8");
        const escaped = `"${dataPath.replace(/"/g, '""').replace(/#\(/g, "#(#)(")}"`;
        expect(expressions).toContain(`expression PadlensFolder = ${escaped} meta [`);
        expect(expressions).toMatch(/expression PadlensSource = "Folder" meta \[/);
    });

    it("refuses a .pbiviz of another visual", async () => {
        const zip = new JSZip();
        zip.file("package.json", JSON.stringify({ visual: { guid: "otherVisual123" } }));
        zip.file("resources/otherVisual123.pbiviz.json", "{}");
        const other = path.join(temp, "other.pbiviz");
        writeFileSync(other, await zip.generateAsync({ type: "nodebuffer" }));
        expect((await readPbivizFiles(other)).guid).toBe("otherVisual123");
        await expect(writeReportProject(path.join(temp, "other"), dataPath, other)).rejects.toThrow(/otherVisual123/);
    });
});
