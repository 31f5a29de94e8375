import { ActionTable } from "../model/actionTable";
import { LaneKind, TimelineGeometry, TimelineLayout, TimelineViewport, laneTop, timeToX } from "../model/timeline";
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
    for (let i = from; i < to; i++) { s = Math.min(s, t.start[i]); e = Math.max(e, t.end[i]); failed ||= t.failed[i] === 1; }
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

function drawBar(ctx: CanvasRenderingContext2D, t: ActionTable, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette, s: TimelineDrawState, row: number, y: number, h: number): void {
    const o = layout.originOfRow(row);
    const x0 = Math.max(g.labelWidth, timeToX(g, v, t.start[row] - o));
    const x1 = Math.min(g.width, timeToX(g, v, t.end[row] - o));
    if (x1 < g.labelWidth || x0 > g.width) return;
    const dim = (s.selected && !s.selected[row]) || (t.highlighted && !t.highlighted[row]);
    const failed = t.failed[row] === 1;
    const statusCode = t.status.codes[row];
    const color = failed ? p.failed : statusCode < 0 || /succe|ok|complete/i.test(t.status.values[statusCode]) ? p.succeeded : p.other;
    ctx.globalAlpha = dim ? 0.3 : 1;
    ctx.fillStyle = color;
    ctx.fillRect(x0, y, Math.max(1, x1 - x0), h);
    if (layout.emphasised[row] && !failed) {
        ctx.strokeStyle = p.foreground;
        ctx.lineWidth = 2;
        ctx.strokeRect(x0, y, Math.max(1, x1 - x0), h);
    }
    if (failed) {
        // A marker left of the bar keeps failures visible even when the bar is a sliver.
        ctx.beginPath();
        ctx.moveTo(x0 - 1, y + h / 2);
        ctx.lineTo(x0 - 6, y);
        ctx.lineTo(x0 - 6, y + h);
        ctx.closePath();
        ctx.fill();
    }
    ctx.globalAlpha = 1;
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
