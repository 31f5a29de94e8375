import { readFile } from "node:fs/promises";
import path from "node:path";
import { projectRoot } from "../project-root.js";
import type { PbivizContent } from "./pbiviz-package.js";

/** One rendering of the visual: a table DataView with these roles and rows, and these format objects. */
export interface PageScene {
    id: string;
    title: string;
    /** Shown under the title, before the row count. */
    description: string;
    /** What the rows are, for the count ("action rows", "rows"). */
    rowsLabel: string;
    size: { width: number; height: number };
    /** Role, display column and type of each row position: text, integer, numeric, bool, dateTime, localDateTime. */
    roles: ReadonlyArray<{ role: string; column: string; type: string }>;
    objects: Record<string, unknown>;
    rows: unknown[][];
}

/** JSON that is safe inside a <script> element whatever the data says. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A self-contained HTML page that loads the built visual with the stand-in host (demo/preview/fake-host.js) and
 * renders each scene the way Power BI would: a table DataView with the scene's roles and format objects. It
 * needs no server and makes no network request. The demo's preview and the report's page previews share it.
 */
export async function renderScenePage(visual: PbivizContent, heading: string, scenes: PageScene[]): Promise<string> {
    const fakeHost = await readFile(path.join(projectRoot(), "demo", "preview", "fake-host.js"), "utf8");
    const sections = scenes
        .map((s) => `<section><h2>${escapeHtml(s.title)}</h2><p>${escapeHtml(s.description)} (${s.rows.length.toLocaleString("en-US")} ${escapeHtml(s.rowsLabel)})</p>
<div class="scene" id="scene-${escapeHtml(s.id)}" style="width:${s.size.width}px;height:${s.size.height}px"></div></section>`)
        .join("\n");
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(heading)}</title>
<style>
body { font-family: "Segoe UI", system-ui, sans-serif; margin: 24px; color: #252423; background: #f3f2f1; }
section { background: #fff; margin: 0 0 24px; padding: 12px 16px 16px; box-shadow: 0 1px 3px rgba(0,0,0,.12); width: fit-content; }
h1 { font-weight: 600; } h2 { font-size: 18px; margin: 4px 0; font-weight: 600; } p { margin: 0 0 8px; color: #605e5c; }
.scene { position: relative; overflow: hidden; }
</style>
<style>${visual.css}</style>
</head><body>
<h1>${escapeHtml(heading)}</h1>
${sections}
<script>${fakeHost}</script>
<script>window.powerbi = window.powerbi || { visuals: { plugins: {} } };</script>
<script>${visual.js.replace(/<\/script/gi, "<\\/script")}</script>
<script type="application/json" id="scenes">${scriptJson({ guid: visual.guid, scenes })}</script>
<script>
(function () {
    var spec = JSON.parse(document.getElementById("scenes").textContent);
    var plugin = window.powerbi.visuals.plugins[spec.guid];
    window.padlensPreview = { hosts: {}, errors: [] };
    var types = {
        text: { text: true }, integer: { numeric: true, integer: true }, numeric: { numeric: true }, bool: { bool: true },
        dateTime: { dateTime: true }, localDateTime: { dateTime: true }
    };
    spec.scenes.forEach(function (scene) {
        var element = document.getElementById("scene-" + scene.id);
        try {
            var host = window.padlensFakeHost("en-US");
            window.padlensPreview.hosts[scene.id] = host;
            var visual = plugin.create({ element: element, host: host });
            var columns = scene.roles.map(function (r, i) {
                var roles = {}; roles[r.role] = true;
                return { displayName: r.column.split(".").pop(), queryName: r.column.indexOf(".") >= 0 ? r.column : "actions." + r.column, index: i, roles: roles, type: types[r.type] || { text: true } };
            });
            // Wall-clock times carry no zone: parsed as the viewer's local time, as Power BI shows a datetime column.
            var rows = scene.rows.map(function (row) {
                return row.map(function (v, i) { var t = scene.roles[i].type; return (t === "dateTime" || t === "localDateTime") && v !== null ? new Date(v) : v; });
            });
            var dataView = { metadata: { columns: columns, objects: scene.objects }, table: { columns: columns, rows: rows } };
            visual.update({ dataViews: [dataView], viewport: { width: element.clientWidth, height: element.clientHeight }, type: 2, operationKind: 0 });
            var failed = host.events.filter(function (e) { return e.indexOf("failed:") === 0; });
            if (failed.length) throw new Error("the visual reported " + failed.join("; "));
        } catch (e) {
            window.padlensPreview.errors.push(scene.id + ": " + (e && e.stack || e));
            console.error(e);
        }
    });
    window.padlensPreview.done = true;
})();
</script>
</body></html>
`;
}
