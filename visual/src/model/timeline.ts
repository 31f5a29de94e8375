import { ActionTable, runLabel, runsInTable, text } from "./actionTable";

export enum LaneKind { Run = 0, Subflow = 1, Action = 2 }

/** Narrowest an open-ended bar (end unknown) is drawn and hit, in px, so it stays visible at its run's end. */
export const OPEN_END_MIN_PX = 8;

/**
 * Lanes of the timeline. Single run: a header lane per run and subflow, then one lane per action in
 * execution order. Several runs: one band per run, all on a time axis relative to each run's start.
 */
export interface TimelineLayout {
    mode: "single" | "bands";
    laneCount: number;
    laneKind: Uint8Array;
    laneDepth: Uint8Array;
    /** Action row for action lanes, run code for run lanes, first action row for subflow lanes. */
    laneRef: Int32Array;
    laneLabel: (lane: number) => string;
    /** Lane of each action row. */
    laneOfRow: Int32Array;
    /** Time origin per row (the run's start in bands mode, the earliest start otherwise). */
    originOfRow: (row: number) => number;
    /** Extent of the axis, in ms relative to the origin. */
    span: number;
    /** Rows emphasised as bottlenecks (the slowest N of each run, and those above their Action p95). */
    emphasised: Uint8Array;
    /** Rows whose duration exceeds the Action p95 (ms) given for them; null when that field is not bound. */
    aboveP95: Uint8Array | null;
    /** Per lane in bands mode: action rows of that run, sorted by start. */
    bandRows: (lane: number) => [number, number];
    /** For a subflow header lane (single run): its action rows [first, end). */
    groupRows: (lane: number) => [number, number];
}

export function layoutTimeline(t: ActionTable, slowestN: number, forceBands = false, collapsed?: ReadonlySet<number>): TimelineLayout {
    const runs = runsInTable(t);
    const emphasised = markSlowest(t, runs, slowestN);
    const aboveP95 = markAboveP95(t, emphasised);
    if (runs.length > 1 || forceBands) {
        const laneRef = Int32Array.from(runs);
        const laneOfRow = new Int32Array(t.count);
        let span = 0;
        runs.forEach((r, lane) => {
            for (let i = t.runFirst[r]; i < t.runEnd[r]; i++) laneOfRow[i] = lane;
            span = Math.max(span, t.runFinish[r] - t.runStart[r]);
        });
        const runOf = (row: number): number => (t.run.codes[row] < 0 ? t.runFirst.length - 1 : t.run.codes[row]);
        return {
            mode: "bands",
            laneCount: runs.length,
            laneKind: new Uint8Array(runs.length).fill(LaneKind.Run),
            laneDepth: new Uint8Array(runs.length),
            laneRef,
            laneLabel: (lane) => runLabel(t, laneRef[lane]),
            laneOfRow,
            originOfRow: (row) => t.runStart[runOf(row)],
            span,
            emphasised,
            aboveP95,
            bandRows: (lane) => [t.runFirst[laneRef[lane]], t.runEnd[laneRef[lane]]],
            groupRows: () => [0, 0],
        };
    }
    // Single run: count lanes first so the arrays are allocated once. A collapsed subflow group keeps
    // only its header lane, keyed by the group's first action row.
    const isCollapsed = (i: number): boolean => collapsed?.has(i) ?? false;
    let lanes = 0;
    let hidden = false;
    for (let i = 0; i < t.count; i++) {
        if (i === 0) lanes++;
        if (i === 0 || t.subflow.codes[i] !== t.subflow.codes[i - 1]) { lanes++; hidden = isCollapsed(i); }
        if (!hidden) lanes++;
    }
    const laneKind = new Uint8Array(lanes), laneDepth = new Uint8Array(lanes), laneRef = new Int32Array(lanes);
    const laneOfRow = new Int32Array(t.count);
    let l = 0;
    let header = 0;
    for (let i = 0; i < t.count; i++) {
        if (i === 0) { laneKind[l] = LaneKind.Run; laneRef[l] = runs[0]; l++; }
        const sub = t.subflow.codes[i];
        const nested = sub >= 0 && !/^main$/i.test(t.subflow.values[sub]) ? 1 : 0;
        if (i === 0 || sub !== t.subflow.codes[i - 1]) {
            laneKind[l] = LaneKind.Subflow; laneDepth[l] = 1 + nested; laneRef[l] = i; header = l; l++;
            hidden = isCollapsed(i);
        }
        if (hidden) { laneOfRow[i] = header; continue; }
        laneKind[l] = LaneKind.Action; laneDepth[l] = 2 + nested; laneRef[l] = i; laneOfRow[i] = l; l++;
    }
    const origin = t.count ? t.runStart[runs[0]] : 0;
    const span = t.count ? t.runFinish[runs[0]] - origin : 0;
    return {
        mode: "single",
        laneCount: lanes,
        laneKind, laneDepth, laneRef,
        laneLabel: (lane) => {
            const ref = laneRef[lane];
            switch (laneKind[lane] as LaneKind) {
                case LaneKind.Run: return runLabel(t, ref);
                case LaneKind.Subflow: return text(t.subflow, ref);
                default: return text(t.action, ref);
            }
        },
        laneOfRow,
        originOfRow: () => origin,
        span,
        emphasised,
        aboveP95,
        bandRows: () => [0, 0],
        groupRows: (lane) => {
            const first = laneRef[lane];
            let last = first;
            while (last + 1 < t.count && t.subflow.codes[last + 1] === t.subflow.codes[first]) last++;
            return [first, last + 1];
        },
    };
}

/** Rows slower than the p95 given for them (per row, e.g. a DAX measure over the flow's history). */
function markAboveP95(t: ActionTable, emphasised: Uint8Array): Uint8Array | null {
    const p95 = t.p95;
    // Pre-aggregated rows are not single actions: their p95 feeds the heatmap, not emphasis.
    if (!p95 || t.executions) return null;
    const out = new Uint8Array(t.count);
    for (let i = 0; i < t.count; i++) {
        if (t.duration[i] > p95[i]) { out[i] = 1; emphasised[i] = 1; }
    }
    return out;
}

function markSlowest(t: ActionTable, runs: number[], n: number): Uint8Array {
    const out = new Uint8Array(t.count);
    if (n <= 0) return out;
    for (const r of runs) {
        const from = t.runFirst[r], to = t.runEnd[r];
        const idx = new Int32Array(to - from);
        for (let i = 0; i < idx.length; i++) idx[i] = from + i;
        // Unknown durations (end unknown) rank last; they are never emphasised.
        const d = (i: number): number => (Number.isNaN(t.duration[i]) ? -1 : t.duration[i]);
        idx.sort((a, b) => d(b) - d(a));
        let marked = 0;
        for (let k = 0; k < idx.length && marked < n; k++) {
            if (t.duration[idx[k]] > 0 && !t.container[idx[k]]) { out[idx[k]] = 1; marked++; }
        }
    }
    return out;
}

/** Visible window of the timeline: time range relative to the origin, and vertical scroll. */
export interface TimelineViewport {
    t0: number;
    t1: number;
    scrollY: number;
}

export interface TimelineGeometry {
    width: number;
    height: number;
    labelWidth: number;
    axisHeight: number;
    laneHeight: number;
}

export function timeToX(g: TimelineGeometry, v: TimelineViewport, ms: number): number {
    return g.labelWidth + ((ms - v.t0) / Math.max(1e-9, v.t1 - v.t0)) * (g.width - g.labelWidth);
}

export function laneTop(g: TimelineGeometry, v: TimelineViewport, lane: number): number {
    return g.axisHeight + lane * g.laneHeight - v.scrollY;
}

/** The action row under a point, or -1. Bars narrower than 3 px stay hittable. */
export function hitTestTimeline(t: ActionTable, layout: TimelineLayout, g: TimelineGeometry, v: TimelineViewport, x: number, y: number): number {
    if (y < g.axisHeight || x < g.labelWidth) return -1;
    const lane = Math.floor((y - g.axisHeight + v.scrollY) / g.laneHeight);
    if (lane < 0 || lane >= layout.laneCount) return -1;
    const slack = 3;
    if (layout.mode === "single") {
        if (layout.laneKind[lane] !== LaneKind.Action) return -1;
        const row = layout.laneRef[lane];
        const o = layout.originOfRow(row);
        const x0 = timeToX(g, v, t.start[row] - o), x1 = barRight(t, row, x0, timeToX(g, v, t.end[row] - o));
        return x >= x0 - slack && x <= x1 + slack ? row : -1;
    }
    const [from, to] = layout.bandRows(lane);
    let best = -1, bestDist = Infinity;
    for (let i = from; i < to; i++) {
        const o = layout.originOfRow(i);
        const x0 = timeToX(g, v, t.start[i] - o), x1 = barRight(t, i, x0, timeToX(g, v, t.end[i] - o));
        if (x0 - slack > x) break;
        if (x <= x1 + slack) {
            const dist = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
            if (dist < bestDist || (dist === bestDist && t.duration[i] < t.duration[best])) { best = i; bestDist = dist; }
        }
    }
    return best;
}

/** Right edge of a bar in px: an open-ended bar (end unknown) is at least OPEN_END_MIN_PX wide. */
export function barRight(t: ActionTable, row: number, x0: number, x1: number): number {
    return t.endUnknown[row] ? Math.max(x1, x0 + OPEN_END_MIN_PX) : x1;
}

/** Zooms around a time (ms relative to the origin) by a factor; keeps at least 1 ms visible. */
export function zoomViewport(v: TimelineViewport, at: number, factor: number, span: number): TimelineViewport {
    const width = Math.min(Math.max((v.t1 - v.t0) * factor, 1), Math.max(span * 1.02, 1));
    const ratio = (at - v.t0) / Math.max(1e-9, v.t1 - v.t0);
    let t0 = at - ratio * width;
    t0 = Math.max(-span * 0.01, Math.min(t0, span * 1.01 - width));
    return { ...v, t0, t1: t0 + width };
}

export function panViewport(v: TimelineViewport, deltaMs: number, span: number): TimelineViewport {
    const width = v.t1 - v.t0;
    const t0 = Math.max(-span * 0.01, Math.min(v.t0 + deltaMs, span * 1.01 - width));
    return { ...v, t0, t1: t0 + width };
}
