import { readFile } from "node:fs/promises";
import path from "node:path";
import { projectRoot } from "../project-root.js";
import type { PbivizContent } from "./pbiviz-package.js";
import { ROLE_COLUMNS, type Scene } from "./scenes.js";

/** JSON that is safe inside a <script> element whatever the data says. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export const SCENE_SIZE = { width: 1200, height: 560 };

/**
 * A self-contained HTML page that loads the built visual with a stand-in host and renders each scene the
 * way Power BI would: a table DataView with the visual's roles, the view pinned through its format
 * objects. It needs no server and makes no network request.
 */
export async function renderPreviewHtml(visual: PbivizContent, scenes: Scene[]): Promise<string> {
    const fakeHost = await readFile(path.join(projectRoot(), "demo", "preview", "fake-host.js"), "utf8");
    const sections = scenes
        .map((s) => `<section><h2>${escapeHtml(s.title)}</h2><p>${escapeHtml(s.description)} (${s.rows.length.toLocaleString("en-US")} ${s.roles ? "hourly rows" : "action rows"})</p>
<div class="scene" id="scene-${escapeHtml(s.id)}" style="width:${SCENE_SIZE.width}px;height:${SCENE_SIZE.height}px"></div></section>`)
        .join("\n");
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>padlens preview</title>
<style>
body { font-family: "Segoe UI", system-ui, sans-serif; margin: 24px; color: #252423; background: #f3f2f1; }
section { background: #fff; margin: 0 0 24px; padding: 12px 16px 16px; box-shadow: 0 1px 3px rgba(0,0,0,.12); width: ${SCENE_SIZE.width}px; }
h1 { font-weight: 600; } h2 { font-size: 18px; margin: 4px 0; font-weight: 600; } p { margin: 0 0 8px; color: #605e5c; }
.scene { position: relative; overflow: hidden; }
</style>
<style>${visual.css}</style>
</head><body>
<h1>padlens preview</h1>
${sections}
<script>${fakeHost}</script>
<script>window.powerbi = window.powerbi || { visuals: { plugins: {} } };</script>
<script>${visual.js.replace(/<\/script/gi, "<\\/script")}</script>
<script type="application/json" id="scenes">${scriptJson({ guid: visual.guid, roles: ROLE_COLUMNS, scenes })}</script>
<script>
(function () {
    var spec = JSON.parse(document.getElementById("scenes").textContent);
    var plugin = window.powerbi.visuals.plugins[spec.guid];
    window.padlensPreview = { hosts: {}, errors: [] };
    spec.scenes.forEach(function (scene) {
        var element = document.getElementById("scene-" + scene.id);
        try {
            var host = window.padlensFakeHost("en-US");
            window.padlensPreview.hosts[scene.id] = host;
            var visual = plugin.create({ element: element, host: host });
            var sceneRoles = scene.roles || spec.roles;
            var columns = sceneRoles.map(function (r, i) {
                var type = r.type === "dateTime" ? { dateTime: true } : r.type === "integer" ? { numeric: true, integer: true } : r.type === "numeric" ? { numeric: true } : r.type === "bool" ? { bool: true } : { text: true };
                var roles = {}; roles[r.role] = true;
                return { displayName: r.column, queryName: "actions." + r.column, index: i, roles: roles, type: type };
            });
            var rows = scene.rows.map(function (row) {
                return row.map(function (v, i) { return sceneRoles[i].type === "dateTime" && v !== null ? new Date(v) : v; });
            });
            var objects = { view: { mode: scene.view }, heatmap: { measure: "p95" } };
            if (scene.heatmapColumns) objects.heatmap.columns = scene.heatmapColumns;
            var dataView = { metadata: { columns: columns, objects: objects }, table: { columns: columns, rows: rows } };
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
