import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generatedModel, generatedQueries, MODEL_DIR, POWERQUERY_DIR, REPORT_DIR } from "../../report/scripts/generate-report.js";
import { generatedProject } from "../../report/scripts/report-pages.js";

// PADLENS_UPDATE_REPORT=1 npx vitest run test/report  rewrites the generated files instead of comparing.
const update = process.env.PADLENS_UPDATE_REPORT === "1";

const listFiles = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));

function check(dir: string, files: Map<string, string>): void {
    for (const [rel, content] of files) {
        const file = path.join(dir, rel);
        if (update) {
            mkdirSync(path.dirname(file), { recursive: true });
            writeFileSync(file, content);
        }
        expect(existsSync(file), `${file} is missing: run PADLENS_UPDATE_REPORT=1 npx vitest run test/report`).toBe(true);
        expect(readFileSync(file, "utf8").replace(/\r\n/g, "\n"), `${file} is stale: run PADLENS_UPDATE_REPORT=1 npx vitest run test/report`).toBe(content);
    }
}

describe("generated report files are up to date with pipeline/load/schema.ts and report/dax/measures.dax", () => {
    it("table queries", () => check(POWERQUERY_DIR, generatedQueries()));

    it("PBIP project and report (pages, visuals, theme) bound to the semantic model", () => {
        const files = generatedProject();
        check(REPORT_DIR, files);
        // No leftover file from a renamed page or visual.
        const report = listFiles(path.join(REPORT_DIR, "padlens.Report")).map((f) => `padlens.Report/${f}`);
        expect(report.filter((f) => !files.has(f))).toEqual([]);
        const pbir = JSON.parse(files.get("padlens.Report/definition.pbir")!) as { datasetReference: { byPath: { path: string } } };
        const model = path.resolve(REPORT_DIR, "padlens.Report", pbir.datasetReference.byPath.path);
        expect(model).toBe(MODEL_DIR);
        expect(existsSync(path.join(model, "definition.pbism"))).toBe(true);
    });

    it("PBIP semantic model (TMDL)", () => {
        const files = generatedModel();
        check(MODEL_DIR, files);
        // No leftover file from a renamed table.
        expect(listFiles(MODEL_DIR).filter((f) => !files.has(f))).toEqual([]);
    });
});
