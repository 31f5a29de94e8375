import { HeatmapModel } from "../model/heatmap";
import { Palette } from "./colors";
import { ColorScale, failureCorner, legendStops } from "./heatmapRenderer";

/** One entry of the timeline legend: how its swatch is drawn, and its text. */
export type SwatchKind = "succeeded" | "failed" | "handled" | "other" | "openEnded" | "emphasis" | "span" | "spanFailed";

export interface LegendEntry {
    kind: SwatchKind;
    label: string;
}

const SVG = "http://www.w3.org/2000/svg";

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
}

/** A 22x12 swatch drawn the way the timeline draws that kind of bar or mark (a handful of small SVGs). */
function swatch(kind: SwatchKind, p: Palette): SVGSVGElement {
    const svg = el("svg", { width: 22, height: 12, viewBox: "0 0 22 12", "aria-hidden": "true" });
    const bar = (fill: string, stroke?: string, width = 1): SVGRectElement =>
        el("rect", { x: 7, y: 2, width: 14, height: 8, fill, ...(stroke ? { stroke, "stroke-width": width } : {}) });
    switch (kind) {
        case "succeeded": svg.append(bar(p.succeeded)); break;
        case "other": svg.append(bar(p.other)); break;
        case "failed":
            svg.append(el("path", { d: "M6 6 L1 2 L1 10 Z", fill: p.failed }), bar(p.failed));
            break;
        case "handled": {
            const lines = el("path", { d: "M7 10 L15 2 M11 10 L19 2 M15 10 L21 4 M7 6 L11 2", stroke: p.failed, "stroke-width": 1, fill: "none" });
            svg.append(el("path", { d: "M6 6 L1 2 L1 10 Z", fill: "none", stroke: p.failed }), bar(p.background, p.failed, 1.5), lines);
            break;
        }
        case "openEnded":
            svg.append(el("path", { d: "M21 2.5 L7.5 2.5 L7.5 9.5 L21 9.5", fill: "none", stroke: p.succeeded, "stroke-width": 1.5, "stroke-dasharray": "3 2" }));
            break;
        case "emphasis":
            // As on the timeline: a ring outside the bar with a background gap, visible on any bar colour.
            svg.append(el("rect", { x: 9, y: 3.5, width: 11, height: 5, fill: p.succeeded }),
                el("rect", { x: 7.25, y: 1.75, width: 14.5, height: 8.5, fill: "none", stroke: p.emphasis, "stroke-width": 1.5 }));
            break;
        case "span": case "spanFailed":
            svg.append(el("rect", { x: 1, y: 5, width: 20, height: 3, fill: kind === "span" ? p.span : p.failed }));
            break;
    }
    return svg;
}

/**
 * The previous / next failure button's arrow: the ◀ / ▶ glyph as DejaVu Sans draws it at the buttons' 9 px
 * (a triangle 0.77 em wide, from 0.645 em above the baseline to 0.125 em below it) in the 12 px line the glyph
 * sat in. Drawn, not a glyph: the buttons' font has no such glyph, and looking up a fallback font for it costs
 * a first paint a few milliseconds (two font-service round trips on Linux).
 */
export function navArrow(dir: -1 | 1): SVGSVGElement {
    const svg = el("svg", { width: 6.921875, height: 12, viewBox: "0 0 6.921875 12", "aria-hidden": "true" });
    svg.style.display = "block";
    svg.append(el("path", { d: dir < 0 ? "M0 6.66 L6.89 3.2 L6.89 10.13 Z" : "M0 3.2 L6.89 6.66 L0 10.13 Z", fill: "currentColor" }));
    return svg;
}

function item(parent: HTMLElement, swatchEl: Element, label: string): void {
    const s = document.createElement("span");
    s.className = "padlens-legend-item";
    const t = document.createElement("span");
    t.textContent = label;
    s.append(swatchEl, t);
    parent.appendChild(s);
}

/** The timeline's legend: only the kinds of bar and mark that are on screen for this data. */
export function drawTimelineLegend(strip: HTMLElement, entries: LegendEntry[], p: Palette): void {
    strip.replaceChildren();
    for (const e of entries) item(strip, swatch(e.kind, p), e.label);
}

export interface HeatLegendText {
    measure: string;
    noData: string;
    failed: string;
    handled: string;
    format: (value: number) => string;
}

/**
 * The heatmap's legend: the colour ramp with the values at its ticks (for a quantile scale, the quartiles of
 * the cells), a "no data" swatch, and the failure corners.
 */
export function drawHeatmapLegend(strip: HTMLElement, m: HeatmapModel, scale: ColorScale, p: Palette, text: HeatLegendText): void {
    strip.replaceChildren();
    const ramp = document.createElement("span");
    ramp.className = "padlens-legend-item padlens-ramp";
    const name = document.createElement("span");
    name.textContent = text.measure;
    const bar = document.createElement("span");
    bar.className = "padlens-ramp-bar";
    bar.style.background = `linear-gradient(to right, ${p.heatLow}, ${p.heatHigh})`;
    if (p.highContrast) bar.style.outline = `1px solid ${p.foreground}`;
    // Low, middle and high: five values of up to "12.345 s" do not fit under a legend-sized ramp.
    const stops = legendStops(m, scale).filter((_, i, all) => all.length < 5 || i % 2 === 0);
    stops.forEach((stop, i) => {
        const tick = document.createElement("span");
        tick.className = "padlens-ramp-tick";
        tick.style.left = `${stop.position * 100}%`;
        // The end labels hang inside the ramp's ends, so they neither overlap the name nor leave the strip.
        tick.style.transform = stops.length > 1 && i === 0 ? "none" : i === stops.length - 1 && stops.length > 1 ? "translateX(-100%)" : "translateX(-50%)";
        tick.textContent = text.format(stop.value);
        bar.appendChild(tick);
    });
    ramp.append(name, bar);
    strip.appendChild(ramp);
    const noData = el("svg", { width: 14, height: 12, viewBox: "0 0 14 12", "aria-hidden": "true" });
    noData.append(el("rect", { x: 0.5, y: 0.5, width: 13, height: 11, fill: p.background, stroke: p.highContrast ? p.background : p.grid }));
    if (!p.highContrast) noData.append(el("path", { d: "M0 12 L12 0 M4 12 L14 2", stroke: p.noData, "stroke-width": 1 }));
    item(strip, noData, text.noData);
    const corner = (solid: boolean): SVGSVGElement => {
        const svg = el("svg", { width: 14, height: 12, viewBox: "0 0 14 12", "aria-hidden": "true" });
        svg.append(el("rect", { x: 0.5, y: 0.5, width: 13, height: 11, fill: p.heatLow, stroke: p.highContrast ? p.foreground : "none" }));
        svg.append(el("rect", solid ? { x: 1, y: 1, width: 5, height: 5, fill: p.failed } : { x: 1.5, y: 1.5, width: 4, height: 4, fill: "none", stroke: p.failed }));
        return svg;
    };
    if (m.measure !== "failureRate" && m.cells.some((c) => failureCorner(m, c) === "solid")) item(strip, corner(true), text.failed);
    if (m.measure !== "failureRate" && m.cells.some((c) => failureCorner(m, c) === "outline")) item(strip, corner(false), text.handled);
}
