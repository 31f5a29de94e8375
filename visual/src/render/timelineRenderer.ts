import { ActionTable } from "../model/actionTable";
import { LaneKind, TimelineGeometry, TimelineLayout, TimelineViewport, barRight, laneTop, timeToX } from "../model/timeline";
import { Palette } from "./colors";

export interface TimelineDrawState {
    selected: Uint8Array | null;
    showLabels: boolean;
}

/** Draws lanes and bars on a canvas; only the lanes in view are visited. */
export function drawTimeline(ctx: CanvasRenderingContext2D, t: ActionTable, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette, s: TimelineDrawState): void {
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, g.width, g.height);
    const firstLane = Math.max(0, Math.floor(v.scrollY / g.laneHeight));
    const lastLane = Math.min(layout.laneCount - 1, Math.ceil((v.scrollY + g.height - g.axisHeight) / g.laneHeight));
    const barH = Math.max(2, g.laneHeight - 4);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, g.axisHeight, g.width, g.height - g.axisHeight);
    ctx.clip();
    ctx.font = `${Math.min(12, g.laneHeight - 3)}px "Segoe UI", sans-serif`;
    ctx.textBaseline = "middle";
    for (let lane = firstLane; lane <= lastLane; lane++) {
        const y = laneTop(g, v, lane);
        if (lane % 2 === 1 && !p.highContrast) {
            ctx.fillStyle = p.grid;
            ctx.fillRect(0, y, g.width, g.laneHeight);
        }
        if (s.showLabels) {
            const kind = layout.laneKind[lane] as LaneKind;
            ctx.fillStyle = p.foreground;
            ctx.font = `${kind === LaneKind.Action ? "" : "600 "}${Math.min(12, g.laneHeight - 3)}px "Segoe UI", sans-serif`;
            const indent = 4 + layout.laneDepth[lane] * 8;
            fitText(ctx, layout.laneLabel(lane), indent, y + g.laneHeight / 2, g.labelWidth - indent - 4);
        }
        if (layout.mode === "single") {
            if (layout.laneKind[lane] === LaneKind.Subflow) drawGroupSpan(ctx, t, layout, g, v, p, lane, y);
            if (layout.laneKind[lane] !== LaneKind.Action) continue;
            drawBar(ctx, t, layout, g, v, p, s, layout.laneRef[lane], y + 2, barH);
        } else {
            const [from, to] = layout.bandRows(lane);
            for (let i = from; i < to; i++) {
                const o = layout.originOfRow(i);
                if (t.start[i] - o > v.t1) break;
                if (t.end[i] - o < v.t0) continue;
                drawBar(ctx, t, layout, g, v, p, s, i, y + 2, barH);
            }
        }
    }
    ctx.restore();
}

/** A thin span under a subflow header from its first start to its last end (the whole group when collapsed). */
function drawGroupSpan(ctx: CanvasRenderingContext2D, t: ActionTable, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette, lane: number, y: number): void {
    const [from, to] = layout.groupRows(lane);
    if (to <= from) return;
    let s = Infinity, e = -Infinity, failed = false;
    for (let i = from; i < to; i++) { s = Math.min(s, t.start[i]); e = Math.max(e, t.end[i]); failed ||= t.failed[i] === 1 && t.handled[i] === 0; }
    const o = layout.originOfRow(from);
    const x0 = Math.max(g.labelWidth, timeToX(g, v, s - o)), x1 = Math.min(g.width, timeToX(g, v, e - o));
    if (x1 < g.labelWidth || x0 > g.width) return;
    ctx.fillStyle = failed ? p.failed : p.foreground;
    ctx.globalAlpha = 0.5;
    ctx.fillRect(x0, y + g.laneHeight / 2 - 1, Math.max(1, x1 - x0), 3);
    ctx.globalAlpha = 1;
}

/** When zoomed in, a strip along the bottom shows the whole run and the part in view. */
export function drawOverview(ctx: CanvasRenderingContext2D, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette): void {
    const span = Math.max(1, layout.span);
    if (v.t1 - v.t0 >= span) return;
    const w = g.width - g.labelWidth, y = g.height - 8;
    ctx.fillStyle = p.background;
    ctx.fillRect(g.labelWidth, y - 1, w, 9);
    ctx.strokeStyle = p.foreground;
    ctx.lineWidth = 1;
    ctx.strokeRect(g.labelWidth + 0.5, y + 0.5, w - 1, 6);
    ctx.fillStyle = p.foreground;
    const x0 = g.labelWidth + (Math.max(0, v.t0) / span) * w;
    const x1 = g.labelWidth + (Math.min(span, v.t1) / span) * w;
    ctx.fillRect(x0, y + 1, Math.max(2, x1 - x0), 5);
}

/** How an action's bar is drawn: its status, with failures inside an error handler ("handled") apart. */
export type BarKind = "succeeded" | "other" | "failed" | "handled";

export function barKind(t: ActionTable, row: number): BarKind {
    if (t.failed[row]) return t.handled[row] ? "handled" : "failed";
    const statusCode = t.status.codes[row];
    return statusCode < 0 || /succe|ok|complete/i.test(t.status.values[statusCode]) ? "succeeded" : "other";
}

function drawBar(ctx: CanvasRenderingContext2D, t: ActionTable, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette, s: TimelineDrawState, row: number, y: number, h: number): void {
    const o = layout.originOfRow(row);
    const left = timeToX(g, v, t.start[row] - o);
    const x0 = Math.max(g.labelWidth, left);
    const x1 = Math.min(g.width, barRight(t, row, left, timeToX(g, v, t.end[row] - o)));
    if (x1 < g.labelWidth || x0 > g.width) return;
    const w = Math.max(1, x1 - x0);
    const dim = (s.selected && !s.selected[row]) || (t.highlighted && !t.highlighted[row]);
    const kind = barKind(t, row);
    const color = kind === "failed" || kind === "handled" ? p.failed : kind === "succeeded" ? p.succeeded : p.other;
    const alpha = dim ? 0.3 : 1;
    ctx.globalAlpha = alpha;
    if (t.endUnknown[row]) drawOpenEnd(ctx, p, color, alpha, x0, y, w, h);
    else if (kind === "handled") drawHandled(ctx, p, x0, y, w, h);
    else {
        ctx.fillStyle = color;
        ctx.fillRect(x0, y, w, h);
    }
    if (layout.emphasised[row] && kind !== "failed" && kind !== "handled") {
        ctx.strokeStyle = p.foreground;
        ctx.lineWidth = 2;
        ctx.strokeRect(x0, y, w, h);
    }
    if (kind === "failed" || kind === "handled") {
        // A marker left of the bar keeps failures visible even when the bar is a sliver: solid for a failure,
        // outlined for a handled one.
        ctx.beginPath();
        ctx.moveTo(x0 - 1, y + h / 2);
        ctx.lineTo(x0 - 6, y);
        ctx.lineTo(x0 - 6, y + h);
        ctx.closePath();
        if (kind === "failed") {
            ctx.fillStyle = p.failed;
            ctx.fill();
        } else {
            ctx.strokeStyle = p.failed;
            ctx.lineWidth = 1;
            ctx.stroke();
        }
    }
    ctx.globalAlpha = 1;
}

/**
 * A handled failure: the failure colour as outline and diagonal hatching over the background, never a solid
 * fill, so it reads apart from an unhandled failure in any theme and in high contrast (two colours only).
 */
function drawHandled(ctx: CanvasRenderingContext2D, p: Palette, x: number, y: number, w: number, h: number): void {
    ctx.fillStyle = p.background;
    ctx.fillRect(x, y, w, h);
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, w, h);
    ctx.clip();
    ctx.strokeStyle = p.failed;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let k = x - h; k < x + w; k += 4) {
        ctx.moveTo(k, y + h);
        ctx.lineTo(k + h, y);
    }
    ctx.stroke();
    ctx.restore();
    ctx.strokeStyle = p.failed;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x + 0.75, y + 0.75, Math.max(0.5, w - 1.5), Math.max(0.5, h - 1.5));
}

/**
 * An action whose end is unknown: from its start to the end of its run (at least OPEN_END_MIN_PX), a faint
 * fill (none in high contrast) under a dashed outline with no right edge, and a chevron pointing on.
 */
function drawOpenEnd(ctx: CanvasRenderingContext2D, p: Palette, color: string, alpha: number, x: number, y: number, w: number, h: number): void {
    if (!p.highContrast) {
        ctx.globalAlpha = alpha * 0.3;
        ctx.fillStyle = color;
        ctx.fillRect(x, y, w, h);
        ctx.globalAlpha = alpha;
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([3, 2]);
    ctx.beginPath();
    ctx.moveTo(x + w, y + 0.75);
    ctx.lineTo(x + 0.75, y + 0.75);
    ctx.lineTo(x + 0.75, y + h - 0.75);
    ctx.lineTo(x + w, y + h - 0.75);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x + w - 4, y + 1);
    ctx.lineTo(x + w, y + h / 2);
    ctx.lineTo(x + w - 4, y + h - 1);
    ctx.stroke();
}

function fitText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, maxWidth: number): void {
    if (maxWidth <= 8 || !text) return;
    if (ctx.measureText(text).width <= maxWidth) {
        ctx.fillText(text, x, y);
        return;
    }
    let lo = 0, hi = text.length;
    while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
        else hi = mid - 1;
    }
    ctx.fillText(`${text.slice(0, lo)}…`, x, y);
}

export { fitText };
