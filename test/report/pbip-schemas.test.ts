import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPORT_DIR } from "../../report/scripts/generate-report.js";
import { pbipJsonFiles, validatePbipJson, validatePbipProject } from "../../report/scripts/pbip-schemas.js";
import { BASE_THEME } from "../../report/scripts/report-pages.js";

const rel = (dir: string, files: string[]) => files.map((f) => path.relative(dir, f).split(path.sep).join("/"));

describe("PBIP project files validate against Microsoft's JSON schemas (report/schemas, offline)", () => {
    const temp = mkdtempSync(path.join(os.tmpdir(), "padlens-pbip-"));
    afterAll(() => rmSync(temp, { recursive: true, force: true }));

    it("checks every JSON file of the project: .pbip, .platform, .pbir, .pbism, report, version, pages, page and visual files", () => {
        const files = rel(REPORT_DIR, pbipJsonFiles(REPORT_DIR));
        expect(files).toContain("padlens.pbip");
        expect(files).toContain("padlens.Report/.platform");
        expect(files).toContain("padlens.SemanticModel/.platform");
        expect(files).toContain("padlens.Report/definition.pbir");
        expect(files).toContain("padlens.SemanticModel/definition.pbism");
        for (const f of ["report.json", "version.json", "pages/pages.json", "pages/overview/page.json", "pages/runDetails/page.json"]) {
            expect(files).toContain(`padlens.Report/definition/${f}`);
        }
        expect(files.filter((f) => f.endsWith("/visual.json")).length).toBeGreaterThanOrEqual(15);
        // The vendored schemas themselves are not project files.
        expect(files.filter((f) => f.startsWith("schemas/"))).toEqual([]);
    });

    it("every file has a $schema that is vendored, its required properties and no unknown ones", () => {
        expect(validatePbipProject(REPORT_DIR)).toEqual([]);
    });

    it("report.json has layoutOptimization and names a base theme whose file is in the report's shared resources", () => {
        const report = JSON.parse(readFileSync(path.join(REPORT_DIR, "padlens.Report/definition/report.json"), "utf8")) as {
            layoutOptimization: string;
            themeCollection: { baseTheme: { name: string; type: string } };
            resourcePackages: { name: string; type: string; items: { name: string; path: string; type: string }[] }[];
        };
        expect(report.layoutOptimization).toBe("None");
        expect(report.themeCollection.baseTheme).toMatchObject({ name: BASE_THEME.name, type: "SharedResources" });
        const shared = report.resourcePackages.find((p) => p.type === "SharedResources")!;
        const item = shared.items.find((i) => i.type === "BaseTheme")!;
        expect(item.name).toBe(BASE_THEME.name);
        const theme = JSON.parse(readFileSync(path.join(REPORT_DIR, "padlens.Report/StaticResources/SharedResources", item.path), "utf8")) as { name: string; dataColors: string[] };
        expect(theme.name).toBe(BASE_THEME.name);
        expect(theme.dataColors.length).toBeGreaterThan(0);
    });

    it("fails on a broken copy: a required property removed, an unknown property added, no $schema", () => {
        const copy = path.join(temp, "broken");
        for (const item of ["padlens.pbip", "padlens.Report", "padlens.SemanticModel"]) cpSync(path.join(REPORT_DIR, item), path.join(copy, item), { recursive: true });
        expect(validatePbipProject(copy)).toEqual([]);
        const edit = (file: string, change: (v: Record<string, unknown>) => void) => {
            const full = path.join(copy, file);
            const value = JSON.parse(readFileSync(full, "utf8")) as Record<string, unknown>;
            change(value);
            writeFileSync(full, JSON.stringify(value));
        };
        edit("padlens.Report/definition/report.json", (v) => delete v.layoutOptimization);
        edit("padlens.Report/definition.pbir", (v) => delete v.datasetReference);
        edit("padlens.SemanticModel/.platform", (v) => delete v.config);
        edit("padlens.Report/definition/pages/overview/page.json", (v) => (v.zoom = 2));
        edit("padlens.Report/definition/pages/runDetails/visuals/runTimeline/visual.json", (v) => delete (v.position as Record<string, unknown>).width);
        edit("padlens.pbip", (v) => delete v.$schema);
        const broken = [...new Set(validatePbipProject(copy).map((p) => p.file))].sort();
        expect(broken).toEqual([
            "padlens.Report/definition.pbir",
            "padlens.Report/definition/pages/overview/page.json",
            "padlens.Report/definition/pages/runDetails/visuals/runTimeline/visual.json",
            "padlens.Report/definition/report.json",
            "padlens.SemanticModel/.platform",
            "padlens.pbip",
        ].sort());
        const problems = validatePbipProject(copy);
        expect(problems.find((p) => p.file.endsWith("report.json"))!.problem).toMatch(/layoutOptimization/);
        expect(problems.find((p) => p.file.endsWith("page.json"))!.problem).toMatch(/additional/);
        expect(problems.find((p) => p.file === "padlens.pbip")!.problem).toBe("no $schema");
    });

    it("says so when a file names a schema version that is not vendored", () => {
        const problems = validatePbipJson("report.json", { $schema: "https://developer.microsoft.com/json-schemas/fabric/item/report/definition/report/9.9.9/schema.json" });
        expect(problems).toEqual([{ file: "report.json", problem: expect.stringMatching(/not vendored/) }]);
    });
});
