/**
 * Writes a ready-to-open copy of the PBIP project: the semantic model with PadlensFolder set to a Parquet output
 * folder, the report with its two pages, and the padlens visual stored the way Power BI Desktop stores a visual
 * imported from a file, so opening the project needs no import step:
 *
 *   padlens.Report/CustomVisuals/<guid>/package.json                      (the .pbiviz's own files, byte for byte)
 *   padlens.Report/CustomVisuals/<guid>/resources/<guid>.pbiviz.json
 *   padlens.Report/definition/report.json  resourcePackages: { name: <guid>, type: "CustomVisual", items: [<guid>.pbiviz.json] }
 *
 * Used by the demo (next to its Parquet) and by anyone from a checkout:
 *   npm run build:cli && npm run package && node lib/report/scripts/write-project.js <outDir> <parquetFolder> [<file.pbiviz>]
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import JSZip from "jszip";
import { generatedModel } from "./generate-report.js";
import { generatedProject, PADLENS_VISUAL_GUID } from "./report-pages.js";

export interface PbivizFiles {
    guid: string;
    /** Path inside the .pbiviz -> bytes (package.json, resources/<guid>.pbiviz.json). */
    files: Map<string, Buffer>;
}

/** The files of a packaged visual (a zip), unchanged: Desktop stores them as they are. */
export async function readPbivizFiles(pbivizFile: string): Promise<PbivizFiles> {
    const zip = await JSZip.loadAsync(await readFile(pbivizFile));
    const files = new Map<string, Buffer>();
    for (const entry of Object.values(zip.files)) if (!entry.dir) files.set(entry.name, await entry.async("nodebuffer"));
    const pkg = files.get("package.json");
    if (!pkg) throw new Error(`${pbivizFile}: no package.json inside; is it a .pbiviz?`);
    const guid = (JSON.parse(pkg.toString("utf8")) as { visual?: { guid?: string } }).visual?.guid;
    if (!guid) throw new Error(`${pbivizFile}: package.json names no visual guid`);
    if (!files.has(`resources/${guid}.pbiviz.json`)) throw new Error(`${pbivizFile}: no resources/${guid}.pbiviz.json inside`);
    return { guid, files };
}

export interface WrittenProject {
    /** The .pbip to open. */
    pbip: string;
    /** Every file written, relative to outDir. */
    files: string[];
    /** The registered visual's guid, when a .pbiviz was given. */
    visualGuid?: string;
}

/**
 * Writes padlens.pbip, padlens.Report/ and padlens.SemanticModel/ under outDir, reading the Parquet tables from
 * dataPath (a local or UNC folder: PadlensSource "Folder"). With pbivizFile, the visual is registered in the report.
 */
export async function writeReportProject(outDir: string, dataPath: string, pbivizFile?: string): Promise<WrittenProject> {
    const visual = pbivizFile ? await readPbivizFiles(pbivizFile) : undefined;
    if (visual && visual.guid !== PADLENS_VISUAL_GUID) {
        throw new Error(`${pbivizFile} is visual ${visual.guid}; the report's pages use ${PADLENS_VISUAL_GUID}`);
    }
    const out = new Map<string, string | Buffer>();
    for (const [file, content] of generatedProject({ visual })) out.set(file, content);
    for (const [file, content] of generatedModel({ folder: dataPath, source: "Folder" })) out.set(`padlens.SemanticModel/${file}`, content);
    if (visual) for (const [file, bytes] of visual.files) out.set(`padlens.Report/CustomVisuals/${visual.guid}/${file}`, bytes);
    for (const [file, content] of out) {
        const full = path.join(outDir, file);
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, content);
    }
    return { pbip: path.join(outDir, "padlens.pbip"), files: [...out.keys()].sort(), visualGuid: visual?.guid };
}

// Run directly: node lib/report/scripts/write-project.js <outDir> <parquetFolder> [<file.pbiviz>]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const [outDir, dataPath, pbiviz] = process.argv.slice(2);
    if (!outDir || !dataPath) {
        process.stderr.write("usage: node lib/report/scripts/write-project.js <outDir> <parquetFolder> [<file.pbiviz>]\n");
        process.exit(2);
    }
    writeReportProject(path.resolve(outDir), path.resolve(dataPath), pbiviz && path.resolve(pbiviz)).then(
        (r) => process.stdout.write(`${r.pbip}${r.visualGuid ? ` (visual ${r.visualGuid} registered)` : " (no visual: import dist/*.pbiviz in Desktop)"}\n`),
        (e: unknown) => {
            process.stderr.write(`${(e as Error).message}\n`);
            process.exit(1);
        },
    );
}
