import { HeatmapModel } from "../model/heatmap";
import { TimelineGeometry, TimelineViewport, timeToX } from "../model/timeline";
import { Formatter } from "../format";
import { HeatmapGeometry } from "./heatmapRenderer";

const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000];

/** How the timeline's axis reads: clock times (origin = the epoch ms of offset 0) or offsets from the run's start. */
export interface AxisMode {
    clock: boolean;
    /** Epoch ms at offset 0 (the run's start, or the earliest start on an absolute axis of several runs). */
    origin: number;
    /** Axis units of 100% when every band is scaled to its own run: ticks read as shares of each run. */
    fraction?: number;
}

/** Tick step (ms) for roughly one tick per `spacing` px. */
export function tickStep(v: TimelineViewport, pixels: number, spacing = 90, fraction?: number): number {
    const want = Math.max(2, Math.floor(pixels / spacing));
    const raw = (v.t1 - v.t0) / want;
    if (fraction) {
        // Shares of a run: 1, 2 or 5 times a power of ten percent, not clock-like steps (15%, 30%).
        const unit = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
        return [1, 2, 5, 10].map((m) => m * unit).find((s) => s >= raw) ?? 10 * unit;
    }
    return steps.find((s) => s >= raw) ?? Math.ceil(raw / 86_400_000) * 86_400_000;
}

/**
 * Tick positions (ms relative to the origin). On a clock axis they fall on round local times (14:00, 14:05),
 * not round offsets from a start at 14:03:17.
 */
export function timeTicks(v: TimelineViewport, pixels: number, mode?: AxisMode, spacing = 90): number[] {
    const step = tickStep(v, pixels, spacing, mode?.fraction);
    const out: number[] = [];
    // The viewer's UTC offset at the view's start: round local times are round in local time.
    const shift = mode?.clock ? mode.origin - new Date(mode.origin + v.t0).getTimezoneOffset() * 60_000 : 0;
    for (let t = Math.ceil((v.t0 + shift) / step) * step - shift; t <= v.t1 && out.length < 200; t += step) out.push(t);
    return out;
}

function span(parent: HTMLElement, cls: string, text: string, left: number, top: number, width?: number): HTMLSpanElement {
    const s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    s.style.left = `${left}px`;
    s.style.top = `${top}px`;
    if (width !== undefined) s.style.width = `${width}px`;
    parent.appendChild(s);
    return s;
}

/** Text width for placing labels; a shared canvas context measures with the labels' font. */
let measureCtx: CanvasRenderingContext2D | null | undefined;
function textWidth(text: string): number {
    if (measureCtx === undefined) {
        measureCtx = document.createElement("canvas").getContext?.("2d") ?? null;
        if (measureCtx) measureCtx.font = `11px "Segoe UI", wf_segoe-ui_normal, helvetica, arial, sans-serif`;
    }
    return measureCtx ? measureCtx.measureText(text).width : text.length * 6;
}

/**
 * Tick labels centred on their tick, except at the edges, where they are pushed inside so none is cut off;
 * a label that would overlap the one before it is left out. The date of the view's start sits over the
 * lane labels on a clock axis.
 */
export function drawTimelineAxis(layer: HTMLElement, g: TimelineGeometry, v: TimelineViewport, f: Formatter, mode?: AxisMode): number[] {
    layer.replaceChildren();
    const ticks = timeTicks(v, g.width - g.labelWidth, mode);
    const step = tickStep(v, g.width - g.labelWidth, 90, mode?.fraction);
    let right = g.labelWidth;
    for (const t of ticks) {
        const label = mode?.clock ? f.clock(mode.origin + t, step) : mode?.fraction ? f.rate(t / mode.fraction) : f.duration(t);
        const w = textWidth(label) + 4;
        const x = timeToX(g, v, t);
        const left = Math.min(Math.max(x - w / 2, g.labelWidth + 1), g.width - w - 1);
        if (left < right + 4) continue;
        span(layer, "padlens-tick", label, left, 2).style.width = `${w}px`;
        right = left + w;
    }
    if (mode?.clock && g.labelWidth > 0) {
        const day = span(layer, "padlens-axisdate", f.day(mode.origin + Math.max(0, v.t0)), 4, 2, g.labelWidth - 8);
        day.title = day.textContent ?? "";
    }
    return ticks;
}

/**
 * Row and column labels of the heatmap. Rows too thin for a line of text show every k-th label (the others
 * are in the cells' tooltips) instead of overlapping; column labels thin out the same way.
 */
export function drawHeatmapAxes(layer: HTMLElement, m: HeatmapModel, g: HeatmapGeometry, columnLabel: (key: number) => string): void {
    layer.replaceChildren();
    const lineHeight = 13;
    const everyRow = Math.max(1, Math.ceil(lineHeight / g.cellHeight));
    m.rowLabels.forEach((label, r) => {
        if (r % everyRow !== 0) return;
        const s = span(layer, "padlens-rowlabel", label, 4, g.top + r * g.cellHeight + Math.min(0, (g.cellHeight - lineHeight) / 2), g.left - 8);
        s.style.height = s.style.lineHeight = `${Math.max(g.cellHeight, lineHeight)}px`;
        s.title = label;
    });
    const every = Math.max(1, Math.ceil(48 / g.cellWidth));
    m.columnKeys.forEach((key, c) => {
        if (c % every === 0) span(layer, "padlens-collabel", columnLabel(key), g.left + c * g.cellWidth, g.top - 18, g.cellWidth * every);
    });
}
