import { HeatCell, HeatmapModel, quantile } from "../model/heatmap";
import { Palette, mix } from "./colors";

export interface HeatmapGeometry {
    width: number;
    height: number;
    left: number;
    top: number;
    cellWidth: number;
    cellHeight: number;
}

export function heatmapGeometry(m: HeatmapModel, width: number, height: number, left: number, top: number, bottom: number): HeatmapGeometry {
    const cols = Math.max(1, m.columnKeys.length), rows = Math.max(1, m.rowLabels.length);
    return {
        width, height, left, top,
        cellWidth: Math.max(2, (width - left - 8) / cols),
        cellHeight: Math.max(2, Math.min(28, (height - top - bottom) / rows)),
    };
}

/** How values map to colours. Quantile by default (see HeatmapCard.colorScale). */
export type ColorScale = "quantile" | "log" | "linear";

/** Log scale that also takes zeros (counts, failure rates): log(1 + v / u), u the smallest positive value. */
function logOf(m: HeatmapModel): (v: number) => number {
    let u = Infinity;
    for (const v of m.sortedValues) if (v > 0) { u = v; break; }
    if (!Number.isFinite(u)) u = 1;
    return (v) => Math.log1p(Math.max(0, v) / u);
}

/** Where a value sits on the colour ramp, 0 (low) to 1 (high). */
export function scalePosition(m: HeatmapModel, value: number, scale: ColorScale): number {
    if (!(m.max > m.min)) return 1;
    if (scale === "linear") return (value - m.min) / (m.max - m.min);
    if (scale === "log") {
        const l = logOf(m);
        return (l(value) - l(m.min)) / Math.max(1e-12, l(m.max) - l(m.min));
    }
    // Quantile: the value's rank among the cells (ties share their middle rank).
    const v = m.sortedValues, n = v.length;
    let lo = 0, hi = n;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (v[mid] < value) lo = mid + 1; else hi = mid; }
    let end = lo;
    while (end < n && v[end] === value) end++;
    return n > 1 ? ((lo + Math.max(lo, end - 1)) / 2) / (n - 1) : 1;
}

export function cellColor(m: HeatmapModel, value: number, p: Palette, scale: ColorScale = "linear"): string {
    return mix(p.heatLow, p.heatHigh, scalePosition(m, value, scale));
}

/** Values at five positions of the ramp, for the legend's ticks. */
export function legendStops(m: HeatmapModel, scale: ColorScale): { position: number; value: number }[] {
    if (m.cells.length === 0) return [];
    if (!(m.max > m.min)) return [{ position: 1, value: m.max }];
    const qs = [0, 0.25, 0.5, 0.75, 1];
    if (scale === "quantile") return qs.map((q) => ({ position: q, value: quantile(m.sortedValues, q) }));
    if (scale === "log") {
        const l = logOf(m);
        let u = Infinity;
        for (const v of m.sortedValues) if (v > 0) { u = v; break; }
        if (!Number.isFinite(u)) u = 1;
        const a = l(m.min), b = l(m.max);
        return qs.map((q) => ({ position: q, value: Math.expm1(a + q * (b - a)) * u }));
    }
    return qs.map((q) => ({ position: q, value: m.min + q * (m.max - m.min) }));
}

/** The failure mark of a cell: solid for failures that count, outlined when every failure was handled, or none. */
export function failureCorner(m: HeatmapModel, cell: HeatCell): "solid" | "outline" | null {
    if (cell.failures > 0 || (m.includeHandledFailures && cell.handledFailures > 0)) return "solid";
    return cell.handledFailures > 0 ? "outline" : null;
}

/** The cell index under a point, or -1. */
export function hitTestHeatmap(m: HeatmapModel, g: HeatmapGeometry, x: number, y: number): number {
    const c = Math.floor((x - g.left) / g.cellWidth), r = Math.floor((y - g.top) / g.cellHeight);
    if (x < g.left || y < g.top || c >= m.columnKeys.length || r >= m.rowLabels.length) return -1;
    return m.grid[r * m.columnKeys.length + c];
}

/**
 * Cells coloured on the scale; empty cells (no rows, or no value for the measure) hatched so they do not
 * read as the lowest value. While cells are selected, the others are dimmed; in high contrast, where a
 * half-transparent colour is not a theme colour, selected cells get a ring instead and every cell with data
 * an outline, so the lowest (background-coloured) cells stay visible.
 */
export function drawHeatmap(ctx: CanvasRenderingContext2D, m: HeatmapModel, g: HeatmapGeometry, p: Palette, selected: ReadonlySet<number> | null, scale: ColorScale = "linear"): void {
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, g.width, g.height);
    const cols = m.columnKeys.length, rows = m.rowLabels.length;
    if (!p.highContrast) {
        ctx.save();
        ctx.strokeStyle = p.noData;
        ctx.lineWidth = 1;
        for (let r = 0; r < rows; r++) {
            for (let c = 0; c < cols; c++) {
                if (m.grid[r * cols + c] >= 0) continue;
                const x = g.left + c * g.cellWidth + 0.5, y = g.top + r * g.cellHeight + 0.5, w = g.cellWidth - 1, h = g.cellHeight - 1;
                ctx.save();
                ctx.beginPath();
                ctx.rect(x, y, w, h);
                ctx.clip();
                ctx.beginPath();
                for (let k = -h; k < w; k += 6) { ctx.moveTo(x + k, y + h); ctx.lineTo(x + k + h, y); }
                ctx.stroke();
                ctx.restore();
            }
        }
        ctx.restore();
    }
    const anySelected = !!selected && selected.size > 0;
    for (let i = 0; i < m.cells.length; i++) {
        const cell = m.cells[i];
        const isSelected = anySelected && selected!.has(i);
        ctx.globalAlpha = anySelected && !isSelected && !p.highContrast ? 0.3 : 1;
        const x0 = g.left + cell.col * g.cellWidth + 0.5, y0 = g.top + cell.row * g.cellHeight + 0.5, w0 = g.cellWidth - 1, h0 = g.cellHeight - 1;
        ctx.fillStyle = cellColor(m, cell.value, p, scale);
        ctx.fillRect(x0, y0, w0, h0);
        if (p.highContrast) {
            ctx.strokeStyle = isSelected ? p.selection : p.foreground;
            ctx.lineWidth = isSelected ? 2 : 1;
            ctx.strokeRect(x0 + 0.5, y0 + 0.5, Math.max(0, w0 - 1), Math.max(0, h0 - 1));
        }
        const corner = failureCorner(m, cell);
        if (corner && m.measure !== "failureRate") {
            // Unhandled failures: a solid corner. Only handled ones: the same corner, outlined.
            const x = x0 + 0.5, y = y0 + 0.5;
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
