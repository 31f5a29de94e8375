/**
 * Renders each report page's padlens visual on real Parquet data, outside Power BI: the packaged visual in a page
 * with the demo's stand-in host, fed a table DataView with exactly the fields the page binds (PADLENS_VISUALS in
 * report-pages.ts, the same definition the visual.json files are written from) and the same format settings. The
 * rows are what Power BI would send for an unfiltered page: the Parquet joined along the model's relationships,
 * grouped by the bound columns (Power BI's "Don't summarize" sends distinct combinations).
 *
 * The demo calls writeReportPreview() after writeReportProject(): one PNG per page's visual, next to its own.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../../pipeline/load/duckdb.js";
import { TABLES, type DuckType, type TableName } from "../../pipeline/load/schema.js";
import { parquetTable } from "../../pipeline/serve/parquet-source.js";
import { takeScreenshots } from "../../demo/preview/screenshots.js";
import { readPbiviz, type PbivizContent } from "../../demo/preview/pbiviz-package.js";
import { renderScenePage } from "../../demo/preview/scene-page.js";
import { PADLENS_VISUALS, PAGES, type Field, type PadlensVisual } from "./report-pages.js";

type RoleType = "text" | "integer" | "numeric" | "bool" | "dateTime" | "localDateTime";

export interface ReportScene {
    /** report-<page>-<visual>: the screenshot's file name. */
    id: string;
    title: string;
    description: string;
    roles: { role: string; column: string; type: RoleType }[];
    objects: PadlensVisual["objects"];
    rows: unknown[][];
}

/** Model table -> its Parquet table and the alias the scene SQL gives it. */
const SOURCES: Record<string, { table: TableName; alias: string }> = {
    Actions: { table: "actions", alias: "a" },
    Runs: { table: "runs", alias: "r" },
    Flows: { table: "flows", alias: "f" },
    Machines: { table: "machines", alias: "m" },
    ActionHourly: { table: "action_hourly", alias: "h" },
};

const ROLE_TYPES: Record<DuckType, RoleType> = {
    VARCHAR: "text", INTEGER: "integer", BIGINT: "integer", DOUBLE: "numeric", BOOLEAN: "bool",
    TIMESTAMPTZ: "dateTime", TIMESTAMP: "localDateTime", DATE: "localDateTime",
};

function columnType(f: Field): DuckType {
    const source = SOURCES[f.table];
    const def = source && TABLES.find((t) => t.name === source.table)?.columns.find((c) => c.name === f.name);
    if (!def) throw new Error(`the preview cannot read ${f.table}[${f.name}] from Parquet`);
    return def.type;
}

/** FROM clause: the visual's fact table joined to its dimensions as the model's relationships do. */
function fromClause(out: string, visual: PadlensVisual): string {
    const tables = new Set(Object.values(visual.roles).map((f) => f.table));
    const t = (name: string) => `${parquetTable(out, SOURCES[name].table)} ${SOURCES[name].alias}`;
    if (tables.has("Actions")) {
        return `FROM ${t("Actions")} JOIN ${t("Runs")} ON r.env = a.env AND r.run_id = a.run_id
            LEFT JOIN ${t("Flows")} ON f.env = r.env AND f.flow_id = r.flow_id
            LEFT JOIN ${t("Machines")} ON m.env = r.env AND m.machine_id = r.machine_id`;
    }
    return `FROM ${t("ActionHourly")} LEFT JOIN ${t("Flows")} ON f.env = h.env AND f.flow_id = h.flow_id
        LEFT JOIN ${t("Machines")} ON m.env = h.env AND m.machine_id = h.machine_id`;
}

/** One bound column as the host hands it over: UTC instants as ISO with Z, wall-clock times without a zone. */
function selectExpr(f: Field, i: number): string {
    const ref = `${SOURCES[f.table].alias}.${f.name}`;
    const type = columnType(f);
    if (type === "TIMESTAMPTZ") return `strftime(${ref}, '%Y-%m-%dT%H:%M:%S.%gZ') AS c${i}`;
    if (type === "TIMESTAMP" || type === "DATE") return `strftime(${ref}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%g') AS c${i}`;
    return `${ref} AS c${i}`;
}

async function sceneRows(con: DuckDBConnection, out: string, visual: PadlensVisual, where: string, orderRoles: string[]): Promise<unknown[][]> {
    const fields = Object.values(visual.roles);
    const select = fields.map(selectExpr).join(", ");
    const names = Object.keys(visual.roles);
    const orderBy = orderRoles.filter((r) => names.includes(r)).map((r) => `c${names.indexOf(r)} NULLS LAST`).join(", ") || "1";
    const sql = `SELECT DISTINCT ${select} ${fromClause(out, visual)} ${where ? `WHERE ${where}` : ""} ORDER BY ${orderBy}`;
    const reader = await con.runAndReadAll(sql);
    return reader.getRowsJS().map((row) => row.map((v) => (typeof v === "bigint" ? Number(v) : v)));
}

/**
 * The scenes of every page's padlens visual: Run details with one failed run selected in its run slicer (as a
 * user would), Overview unfiltered.
 */
export async function buildReportScenes(con: DuckDBConnection, out: string): Promise<ReportScene[]> {
    await con.run("SET TimeZone = 'UTC'");
    const scenes: ReportScene[] = [];
    for (const visual of PADLENS_VISUALS) {
        const page = PAGES.find((p) => p.name === visual.page)!;
        const roles = Object.entries(visual.roles).map(([role, f]) => ({ role, column: `${f.table}.${f.name}`, type: ROLE_TYPES[columnType(f)] }));
        let rows: unknown[][];
        let description: string;
        if (Object.values(visual.roles).some((f) => f.table === "Actions")) {
            const failed = await con.runAndReadAll(`
                SELECT env, run_id, run_label FROM ${parquetTable(out, "runs")}
                WHERE log_state = 'parsed' AND failed_action_count > 0 AND action_count BETWEEN 12 AND 40
                ORDER BY action_count DESC, run_id LIMIT 1`);
            const [run] = failed.getRowObjectsJS() as Array<{ env: string; run_id: string; run_label: string | null }>;
            if (!run) throw new Error("no failed run with a parsed log in the output");
            rows = await sceneRows(con, out, visual, `a.env = ${sqlString(run.env)} AND a.run_id = ${sqlString(run.run_id)}`, ["run", "start", "actionIndex"]);
            description = `Run slicer on "${run.run_label ?? run.run_id}".`;
        } else {
            rows = await sceneRows(con, out, visual, "", ["flow", "subflow", "action", "machine", "start"]);
            description = "No filter: every environment, flow and date.";
        }
        scenes.push({ id: `report-${page.name}-${visual.name}`, title: `${page.displayName}: ${visual.title}`, description, roles, objects: visual.objects, rows });
    }
    return scenes;
}

/** Size of a page's padlens visual in the preview: the visual container's size on the page. */
function sceneSize(id: string): { width: number; height: number } {
    const visual = PADLENS_VISUALS.find((v) => id === `report-${v.page}-${v.name}`)!;
    const spec = PAGES.find((p) => p.name === visual.page)!.visuals.find((v) => v.name === visual.name)!;
    return { width: spec.position.width, height: spec.position.height };
}

/** A self-contained page rendering each scene with the packaged visual and the stand-in host; no network. */
export async function renderReportPreviewHtml(visual: PbivizContent, scenes: ReportScene[]): Promise<string> {
    return renderScenePage(visual, "padlens report: the padlens visual of each page", scenes.map((s) => ({
        id: s.id, title: s.title, description: s.description, rowsLabel: "rows", size: sceneSize(s.id), roles: s.roles, objects: s.objects, rows: s.rows,
    })));
}

export interface ReportPreview {
    htmlFile: string;
    /** One PNG per page's padlens visual (report-<page>-<visual>.png) and the whole page (report-pages.png); empty without Chromium or with screenshots off. */
    screenshots: string[];
    /** Per scene, canvas pixels the visual painted. */
    paintedPixels: Record<string, number>;
    /** Console errors, network requests and scenes that drew (almost) nothing: empty when all is well. */
    problems: string[];
    /** False when Chromium is not installed (the HTML is written anyway). */
    chromium: boolean;
}

/**
 * Builds the scenes from the Parquet under dataDir, writes <previewDir>/report-pages.html and, with screenshots on
 * and Chromium installed, one PNG per page's padlens visual (report-<page>-<visual>.png) and one of the whole page
 * (report-pages.png) in previewDir.
 */
export async function writeReportPreview(
    con: DuckDBConnection,
    dataDir: string,
    pbivizFile: string,
    previewDir: string,
    options: { screenshots: boolean } = { screenshots: true },
): Promise<ReportPreview> {
    const scenes = await buildReportScenes(con, dataDir);
    await mkdir(previewDir, { recursive: true });
    const htmlFile = path.join(previewDir, "report-pages.html");
    await writeFile(htmlFile, await renderReportPreviewHtml(await readPbiviz(pbivizFile), scenes));
    if (!options.screenshots) return { htmlFile, screenshots: [], paintedPixels: {}, problems: [], chromium: false };
    // Shot in a folder of their own: takeScreenshots also saves the whole page as preview.png, the demo's own name.
    const shotsDir = path.join(previewDir, ".report-pages");
    await mkdir(shotsDir, { recursive: true });
    const shots = await takeScreenshots(htmlFile, scenes.map((s) => s.id), shotsDir).catch(async (e: unknown) => {
        await rm(shotsDir, { recursive: true, force: true });
        throw e;
    });
    if (!shots) return { htmlFile, screenshots: [], paintedPixels: {}, problems: [], chromium: false };
    const screenshots: string[] = [];
    for (const file of shots.files) {
        const target = path.join(previewDir, path.basename(file) === "preview.png" ? "report-pages.png" : path.basename(file));
        await rename(file, target);
        screenshots.push(target);
    }
    await rm(shotsDir, { recursive: true, force: true });
    const problems = [
        ...shots.consoleErrors,
        ...shots.networkRequests.map((u) => `network request to ${u}`),
        ...scenes.filter((s) => (shots.paintedPixels[s.id] ?? 0) < 500).map((s) => `scene ${s.id} drew nothing`),
    ];
    return { htmlFile, screenshots, paintedPixels: shots.paintedPixels, problems, chromium: true };
}
