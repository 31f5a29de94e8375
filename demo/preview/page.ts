import type { PbivizContent } from "./pbiviz-package.js";
import { renderScenePage } from "./scene-page.js";
import { ROLE_COLUMNS, type Scene } from "./scenes.js";

export const SCENE_SIZE = { width: 1200, height: 560 };

/**
 * The demo's preview page: each scene rendered by the built visual with the stand-in host, pinned to its view
 * through the format objects, as Power BI would render it.
 */
export async function renderPreviewHtml(visual: PbivizContent, scenes: Scene[]): Promise<string> {
    return renderScenePage(visual, "padlens preview", scenes.map((s) => {
        const objects: Record<string, Record<string, unknown>> = { view: { mode: s.view }, heatmap: { measure: "p95" } };
        if (s.heatmapColumns) objects.heatmap.columns = s.heatmapColumns;
        return {
            id: s.id, title: s.title, description: s.description, rowsLabel: s.roles ? "hourly rows" : "action rows", size: SCENE_SIZE,
            roles: s.roles ?? ROLE_COLUMNS, objects, rows: s.rows,
        };
    }));
}
