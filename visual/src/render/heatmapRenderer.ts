import { HeatCell, HeatmapModel } from "../model/heatmap";
import { Palette, mix } from "./colors";

export interface HeatmapGeometry {
    width: number;
    height: number;
    left: number;
    top: number;
    cellWidth: number;
    cellHeight: number;
}

export function heatmapGeometry(m: HeatmapModel, width: number, height: number, left: number, top: number, legendHeight: number): HeatmapGeometry {
    const cols = Math.max(1, m.columnKeys.length), rows = Math.max(1, m.rowLabels.length);
    return {
        width, height, left, top,
        cellWidth: Math.max(2, (width - left - 8) / cols),
        cellHeight: Math.max(2, Math.min(28, (height - top - legendHeight) / rows)),
    };
}

export function cellColor(m: HeatmapModel, value: number, p: Palette): string {
    const t = m.max > m.min ? (value - m.min) / (m.max - m.min) : 1;
    return mix(p.heatLow, p.heatHigh, t);
}

/** The failure mark of a cell: solid for failures that count, outlined when every failure was handled, or none. */
export function failureCorner(m: HeatmapModel, cell: HeatCell): "solid" | "outline" | null {
    if (cell.failures > 0 || (m.includeHandledFailures && cell.handledFailures > 0)) return "solid";
    return cell.handledFailures > 0 ? "outline" : null;
}

/** Cells none of whose rows are highlighted, or null when the host highlights nothing. */
export function dimmedCells(m: HeatmapModel, highlighted: Uint8Array | null): Uint8Array | null {
    if (!highlighted) return null;
    const out = new Uint8Array(m.cells.length);
    m.cells.forEach((c, i) => {
        out[i] = 1;
        for (let k = 0; k < c.members.length; k++) if (highlighted[c.members[k]]) { out[i] = 0; break; }
    });
    return out;
}

/** The cell index under a point, or -1. */
export function hitTestHeatmap(m: HeatmapModel, g: HeatmapGeometry, x: number, y: number): number {
    const c = Math.floor((x - g.left) / g.cellWidth), r = Math.floor((y - g.top) / g.cellHeight);
    if (x < g.left || y < g.top || c >= m.columnKeys.length || r >= m.rowLabels.length) return -1;
    return m.grid[r * m.columnKeys.length + c];
}

/** `dimmed` marks cells with nothing highlighted by another visual (null when nothing is highlighted). */
export function drawHeatmap(ctx: CanvasRenderingContext2D, m: HeatmapModel, g: HeatmapGeometry, p: Palette, selected: Set<number> | null, dimmed: Uint8Array | null = null): void {
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, g.width, g.height);
    for (let i = 0; i < m.cells.length; i++) {
        const cell = m.cells[i];
        ctx.globalAlpha = (selected && selected.size && !selected.has(i)) || dimmed?.[i] ? 0.3 : 1;
        ctx.fillStyle = cellColor(m, cell.value, p);
        ctx.fillRect(g.left + cell.col * g.cellWidth + 0.5, g.top + cell.row * g.cellHeight + 0.5, g.cellWidth - 1, g.cellHeight - 1);
        const corner = failureCorner(m, cell);
        if (corner && m.measure !== "failureRate") {
            // Unhandled failures: a solid corner. Only handled ones: the same corner, outlined.
            const x = g.left + cell.col * g.cellWidth + 1, y = g.top + cell.row * g.cellHeight + 1;
            const w = Math.min(4, g.cellWidth / 4), h = Math.min(4, g.cellHeight / 4);
            if (corner === "solid") {
                ctx.fillStyle = p.failed;
                ctx.fillRect(x, y, w, h);
            } else {
                ctx.strokeStyle = p.failed;
                ctx.lineWidth = 1;
                ctx.strokeRect(x + 0.5, y + 0.5, Math.max(1, w - 1), Math.max(1, h - 1));
            }
        }
    }
    ctx.globalAlpha = 1;
}
