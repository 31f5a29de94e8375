import { HeatmapModel } from "../model/heatmap";
import { TimelineGeometry, TimelineViewport, timeToX } from "../model/timeline";
import { Formatter } from "../format";
import { HeatmapGeometry } from "./heatmapRenderer";
import { Palette } from "./colors";

const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];

/** Tick positions (ms relative to the origin) for roughly one tick per 90 px. */
export function timeTicks(v: TimelineViewport, pixels: number): number[] {
    const want = Math.max(2, Math.floor(pixels / 90));
    const raw = (v.t1 - v.t0) / want;
    const step = steps.find((s) => s >= raw) ?? Math.ceil(raw / 86_400_000) * 86_400_000;
    const out: number[] = [];
    for (let t = Math.ceil(v.t0 / step) * step; t <= v.t1 && out.length < 200; t += step) out.push(t);
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

export function drawTimelineAxis(layer: HTMLElement, g: TimelineGeometry, v: TimelineViewport, f: Formatter): void {
    layer.replaceChildren();
    for (const t of timeTicks(v, g.width - g.labelWidth)) {
        span(layer, "padlens-tick", f.duration(t), timeToX(g, v, t), 2);
    }
}

export function drawHeatmapAxes(layer: HTMLElement, m: HeatmapModel, g: HeatmapGeometry, f: Formatter, columnLabel: (key: number) => string, p: Palette, legendLabel: string): void {
    layer.replaceChildren();
    m.rowLabels.forEach((label, r) => {
        const s = span(layer, "padlens-rowlabel", label, 4, g.top + r * g.cellHeight, g.left - 8);
        s.style.height = s.style.lineHeight = `${g.cellHeight}px`;
        s.title = label;
    });
    const every = Math.max(1, Math.ceil(48 / g.cellWidth));
    m.columnKeys.forEach((key, c) => {
        if (c % every === 0) span(layer, "padlens-collabel", columnLabel(key), g.left + c * g.cellWidth, g.top - 18, g.cellWidth * every);
    });
    const legendTop = g.top + m.rowLabels.length * g.cellHeight + 8;
    const bar = document.createElement("div");
    bar.className = "padlens-legend";
    bar.style.left = `${g.left}px`;
    bar.style.top = `${legendTop}px`;
    bar.style.background = `linear-gradient(to right, ${p.heatLow}, ${p.heatHigh})`;
    layer.appendChild(bar);
    const value = (x: number): string => (m.measure === "failureRate" ? f.rate(x) : m.measure === "count" ? f.count(x) : f.duration(x));
    span(layer, "padlens-legendlabel", `${legendLabel}: ${value(m.min)}`, g.left, legendTop + 12);
    span(layer, "padlens-legendlabel padlens-legendmax", value(m.max), g.left + 160, legendTop + 12);
}
