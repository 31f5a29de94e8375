import { ActionTable, endOf } from "../model/actionTable";
import { LaneKind, TimelineGeometry, TimelineLayout, TimelineViewport, barRight, laneTop, timeToX } from "../model/timeline";
import { Palette } from "./colors";

export interface TimelineDrawState {
    /** Selected row ids; the others are dimmed while anything is selected. */
    selected: ReadonlySet<number> | null;
    showLabels: boolean;
    /** Axis ticks (ms relative to the origin) to draw gridlines at; null for none. */
    gridlines?: number[] | null;
    /** A bar's duration as text, drawn inside bars wide enough to hold it; null for none. */
    durationLabel?: ((row: number) => string) | null;
}

/** Narrowest a failed action's bar is drawn, in px, so a 6 ms failure in an hour-long run is not lost. */
export const FAILED_MIN_PX = 3;
/** Width of the vertical scrollbar drawn at the right edge when the lanes do not fit. */
export const SCROLLBAR_PX = 8;

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
    for (let lane = firstLane; lane <= lastLane; lane++) {
        if (lane % 2 === 1 && !p.highContrast) {
            ctx.fillStyle = p.grid;
            ctx.fillRect(0, laneTop(g, v, lane), g.width, g.laneHeight);
        }
    }
    if (s.gridlines) drawGridlines(ctx, g, v, p, s.gridlines);
    const size = Math.min(12, g.laneHeight - 3);
    const fonts = [`600 ${size}px "Segoe UI", sans-serif`, `${size}px "Segoe UI", sans-serif`, `${Math.min(11, barH - 1)}px "Segoe UI", sans-serif`];
    ctx.textBaseline = "middle";
    // Setting a font parses it: only when the lane kind (bold header, plain action) changes.
    let font = -1;
    const setFont = (f: number): void => { if (f !== font) { ctx.font = fonts[f]; font = f; } };
    const ok = t.status.values.map(isSuccessStatus);
    for (let lane = firstLane; lane <= lastLane; lane++) {
        const y = laneTop(g, v, lane);
        const kind = layout.laneKind[lane] as LaneKind;
        if (s.showLabels) {
            ctx.fillStyle = p.foreground;
            setFont(kind === LaneKind.Action ? 1 : 0);
            const indent = 4 + layout.laneDepth[lane] * 8;
            let label = layout.laneLabel(lane);
            let x = indent;
            if (layout.mode === "single" && kind === LaneKind.Subflow) {
                // A chevron says the header folds; a folded one says how many actions it hides. Drawn, not a
                // glyph: "▾" is in no UI font, and looking up a fallback font for it costs a first paint
                // several milliseconds.
                const [from, to] = layout.groupRows(lane);
                if (g.labelWidth - indent - 4 > 8) drawChevron(ctx, x, y + g.laneHeight / 2, size, !!layout.laneCollapsed[lane]);
                x += CHEVRON_PX;
                if (layout.laneCollapsed[lane]) label = `${label} (${to - from})`;
            }
            const marker = layout.mode === "single" && kind === LaneKind.Action ? barKind(t, layout.laneRef[lane], ok) : "succeeded";
            const room = g.labelWidth - x - 4 - (marker === "failed" || marker === "handled" ? 10 : 0);
            fitText(ctx, label, x, y + g.laneHeight / 2, room);
            if (marker === "failed" || marker === "handled") drawMarker(ctx, p, g.labelWidth - 4, y + 2, barH, marker === "failed");
        }
        if (layout.mode === "single") {
            if (kind === LaneKind.Subflow) drawGroupSpan(ctx, t, layout, g, v, p, lane, y);
            if (kind !== LaneKind.Action) continue;
            drawBar(ctx, t, layout, g, v, p, s, layout.laneRef[lane], y + 2, barH, ok, setFont);
        } else {
            const [from, to] = layout.bandRows(lane);
            for (let k = from; k < to; k++) {
                const i = t.order[k];
                if (layout.axisTime(i, t.start[i]) > v.t1) break;
                if (layout.axisTime(i, endOf(t, i)) < v.t0) continue;
                drawBar(ctx, t, layout, g, v, p, s, i, y + 2, barH, ok, setFont);
            }
        }
    }
    ctx.restore();
}

/** Vertical lines at the axis ticks, under the bars. */
function drawGridlines(ctx: CanvasRenderingContext2D, g: TimelineGeometry, v: TimelineViewport, p: Palette, ticks: number[]): void {
    ctx.save();
    ctx.strokeStyle = p.gridline;
    ctx.lineWidth = 1;
    // Dotted in high contrast: a full line in the foreground colour would read as data.
    if (p.highContrast) ctx.setLineDash([1, 3]);
    ctx.beginPath();
    for (const tick of ticks) {
        const x = Math.round(timeToX(g, v, tick)) + 0.5;
        if (x <= g.labelWidth || x >= g.width) continue;
        ctx.moveTo(x, g.axisHeight);
        ctx.lineTo(x, g.height);
    }
    ctx.stroke();
    ctx.restore();
}

/** A thin span under a subflow header from its first start to its last end (the whole group when collapsed). */
function drawGroupSpan(ctx: CanvasRenderingContext2D, t: ActionTable, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette, lane: number, y: number): void {
    const [from, to] = layout.groupRows(lane);
    if (to <= from) return;
    const { start: s, end: e, failed } = layout.groupExtent(lane);
    const first = t.order[from];
    const x0 = Math.max(g.labelWidth, timeToX(g, v, layout.axisTime(first, s))), x1 = Math.min(g.width, timeToX(g, v, layout.axisTime(first, e)));
    if (x1 < g.labelWidth || x0 > g.width) return;
    // Solid theme colours (no transparency), so high contrast shows only its own colours.
    ctx.fillStyle = failed ? p.failed : p.span;
    ctx.fillRect(x0, y + g.laneHeight / 2 - 1, Math.max(1, x1 - x0), 3);
}

/**
 * When zoomed in, a strip along the bottom shows the whole extent, the part in view, and where the
 * failures are. Returns the strip's height (0 when not drawn).
 */
export function drawOverview(ctx: CanvasRenderingContext2D, t: ActionTable, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette, failedRows: ArrayLike<number>): number {
    const span = Math.max(1, layout.span);
    if (v.t1 - v.t0 >= span) return 0;
    const w = g.width - g.labelWidth, y = g.height - 8;
    ctx.fillStyle = p.background;
    ctx.fillRect(g.labelWidth, y - 1, w, 9);
    ctx.strokeStyle = p.foreground;
    ctx.lineWidth = 1;
    ctx.strokeRect(g.labelWidth + 0.5, y + 0.5, w - 1, 6);
    ctx.fillStyle = p.failed;
    for (let k = 0; k < failedRows.length; k++) {
        const r = failedRows[k];
        const x = g.labelWidth + (layout.axisTime(r, t.start[r]) / span) * w;
        ctx.fillRect(Math.round(x), y + 1, 1, 5);
    }
    const x0 = g.labelWidth + (Math.max(0, v.t0) / span) * w;
    const x1 = g.labelWidth + (Math.min(span, v.t1) / span) * w;
    ctx.strokeStyle = p.foreground;
    ctx.lineWidth = 2;
    ctx.strokeRect(x0, y + 1, Math.max(2, x1 - x0), 5);
    return 9;
}

/**
 * A vertical scrollbar at the right edge when the lanes do not fit: where the view is among all lanes, with a
 * tick for each lane holding an unhandled failure, so failures off screen are not out of mind.
 */
export function drawScrollbar(ctx: CanvasRenderingContext2D, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette, failedLanes: ArrayLike<number>, bottom: number): boolean {
    const total = layout.laneCount * g.laneHeight;
    const visible = g.height - g.axisHeight - bottom;
    if (total <= visible || visible <= 0) return false;
    const x = g.width - SCROLLBAR_PX, top = g.axisHeight;
    ctx.fillStyle = p.background;
    ctx.fillRect(x, top, SCROLLBAR_PX, visible);
    ctx.strokeStyle = p.highContrast ? p.foreground : p.gridline;
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, top + 0.5, SCROLLBAR_PX - 1, visible - 1);
    const thumbTop = top + (v.scrollY / total) * visible;
    const thumbH = Math.max(12, (visible / total) * visible);
    ctx.fillStyle = p.highContrast ? p.foreground : p.span;
    ctx.fillRect(x + 2, Math.min(thumbTop, top + visible - thumbH), SCROLLBAR_PX - 4, thumbH);
    ctx.fillStyle = p.failed;
    for (let k = 0; k < failedLanes.length; k++) {
        const yy = top + ((failedLanes[k] + 0.5) * g.laneHeight / total) * visible;
        ctx.fillRect(x, Math.round(yy) - 1, SCROLLBAR_PX, 2);
    }
    return true;
}

/** How an action's bar is drawn: its status, with failures inside an error handler ("handled") apart. */
export type BarKind = "succeeded" | "other" | "failed" | "handled";

/** Whether a status text reads as a success (drawn in the succeeded colour). */
export function isSuccessStatus(status: string): boolean {
    return /succe|ok|complete/i.test(status);
}

/** `ok` (per status code: a success status) saves testing each bar's status text. */
export function barKind(t: ActionTable, row: number, ok?: boolean[]): BarKind {
    if (t.failed[row]) return t.handled[row] ? "handled" : "failed";
    const statusCode = t.status.codes[row];
    if (statusCode < 0) return "succeeded";
    return (ok ? ok[statusCode] : isSuccessStatus(t.status.values[statusCode])) ? "succeeded" : "other";
}

/** The failure triangle: solid for a failure, outlined for a handled one; its tip at `x`. */
function drawMarker(ctx: CanvasRenderingContext2D, p: Palette, x: number, y: number, h: number, solid: boolean): void {
    ctx.beginPath();
    ctx.moveTo(x, y + h / 2);
    ctx.lineTo(x - 5, y);
    ctx.lineTo(x - 5, y + h);
    ctx.closePath();
    if (solid) {
        ctx.fillStyle = p.failed;
        ctx.fill();
    } else {
        ctx.strokeStyle = p.failed;
        ctx.lineWidth = 1;
        ctx.stroke();
    }
}

function drawBar(ctx: CanvasRenderingContext2D, t: ActionTable, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, p: Palette, s: TimelineDrawState, row: number, y: number, h: number, ok: boolean[], setFont: (f: number) => void): void {
    const kind = barKind(t, row, ok);
    const failure = kind === "failed" || kind === "handled";
    const left = timeToX(g, v, layout.axisTime(row, t.start[row]));
    let right = barRight(t, row, left, timeToX(g, v, layout.axisTime(row, endOf(t, row))));
    if (failure) right = Math.max(right, left + FAILED_MIN_PX);
    const x0 = Math.max(g.labelWidth, left);
    const x1 = Math.min(g.width, right);
    if (x1 < g.labelWidth || x0 > g.width) return;
    const w = Math.max(1, x1 - x0);
    const dim = s.selected !== null && s.selected.size > 0 && !s.selected.has(row);
    const color = failure ? p.failed : kind === "succeeded" ? p.succeeded : p.other;
    // High contrast has no half-transparent colours: a dimmed bar is its outline only.
    if (dim && p.highContrast) {
        ctx.strokeStyle = color;
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(0, w - 1), Math.max(0, h - 1));
        return;
    }
    const alpha = dim ? 0.3 : 1;
    ctx.globalAlpha = alpha;
    if (t.endUnknown[row]) drawOpenEnd(ctx, p, color, alpha, x0, y, w, h);
    else if (kind === "handled") drawHandled(ctx, p, x0, y, w, h);
    else {
        ctx.fillStyle = color;
        ctx.fillRect(x0, y, w, h);
        // Back-to-back actions of a band stay apart: a background gap at each bar's start.
        if (layout.mode === "bands" && w >= 3) {
            ctx.fillStyle = p.background;
            ctx.fillRect(x0, y, 1, h);
        }
    }
    if (layout.emphasised[row] && !failure) {
        // Outside the bar, with a background gap, so it shows on any bar colour, high contrast included.
        ctx.strokeStyle = p.background;
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 - 0.5, y - 0.5, w + 1, h + 1);
        ctx.strokeStyle = p.emphasis;
        ctx.lineWidth = 1.5;
        ctx.strokeRect(x0 - 1.75, y - 1.75, w + 3.5, h + 3.5);
    }
    const label = s.durationLabel && !t.endUnknown[row] && kind !== "handled" && layout.mode === "single" && w > 40 && h >= 9 ? s.durationLabel(row) : "";
    if (label) {
        setFont(2);
        const tw = ctx.measureText(label).width;
        if (tw + 6 <= w) {
            ctx.fillStyle = p.background;
            ctx.fillText(label, x0 + 3, y + h / 2);
        }
    }
    // A marker left of the bar keeps failures visible even when the bar is a sliver: solid for a failure,
    // outlined for a handled one.
    if (failure) drawMarker(ctx, p, x0 - 1, y, h, kind === "failed");
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

/** Room a subflow header's chevron takes before its label: the glyph and a space, as the text was. */
const CHEVRON_PX = 10;

/**
 * A small solid triangle, pointing down (unfolded) or right (folded), as the "▾" / "▸" glyphs of a
 * `size` px font: its left edge at `x`, centred on `y`.
 */
function drawChevron(ctx: CanvasRenderingContext2D, x: number, y: number, size: number, folded: boolean): void {
    const w = Math.round(size * 0.6), h = Math.round(size * 0.5);
    ctx.beginPath();
    if (folded) {
        ctx.moveTo(x, y - w / 2);
        ctx.lineTo(x + h, y);
        ctx.lineTo(x, y + w / 2);
    } else {
        ctx.moveTo(x, y - h / 2);
        ctx.lineTo(x + w, y - h / 2);
        ctx.lineTo(x + w / 2, y + h / 2);
    }
    ctx.closePath();
    ctx.fill();
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
