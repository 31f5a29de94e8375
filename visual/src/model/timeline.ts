import { ActionTable, endOf, runLabel, runOf, runsInTable, text } from "./actionTable";

export enum LaneKind { Run = 0, Subflow = 1, Action = 2 }

/** Narrowest an open-ended bar (end unknown) is drawn and hit, in px, so it stays visible at its run's end. */
export const OPEN_END_MIN_PX = 8;

/**
 * Lanes of the timeline. Single run: a header lane per run and subflow, then one lane per action in
 * execution order. Several runs: one band per run, all on a time axis relative to each run's start.
 * Rows are row ids of the ActionTable (stable across segments); "positions" index `ActionTable.order`.
 */
export interface TimelineLayout {
    mode: "single" | "bands";
    laneCount: number;
    laneKind: Uint8Array;
    laneDepth: Uint8Array;
    /** Action row for action lanes, run code for run lanes, the group's first action row for subflow lanes. */
    laneRef: Int32Array;
    laneLabel: (lane: number) => string;
    /** Lane of each action row (-1 for rows not drawn). */
    laneOfRow: Int32Array;
    /** Time origin per row (the run's start in bands mode, the earliest start otherwise). */
    originOfRow: (row: number) => number;
    /**
     * Where an epoch time of a row falls on the axis: ms since its origin, or, when every band fills the width
     * (`fit`), FIT_SPAN units per run.
     */
    axisTime: (row: number, epochMs: number) => number;
    /** Each band is scaled to its own run's length: the axis reads as a share of each run (0-FIT_SPAN). */
    fit: boolean;
    /** Extent of the axis, in ms relative to the origin (FIT_SPAN when `fit`). */
    span: number;
    /** Rows emphasised as bottlenecks (the slowest N of each run, and those above their Action p95). */
    emphasised: Uint8Array;
    /** Rows whose duration exceeds the Action p95 (ms) given for them; null when that field is not bound. */
    aboveP95: Uint8Array | null;
    /** Per lane in bands mode: positions [from, to) in the table's order of that run's rows (sorted by start). */
    bandRows: (lane: number) => [number, number];
    /** For a subflow header lane (single run): positions [from, to) of its action rows (the root group: the whole run). */
    groupRows: (lane: number) => [number, number];
    /** 1 for a collapsed subflow header lane. */
    laneCollapsed: Uint8Array;
    /**
     * For a subflow header lane (single run): its group's first start, last end and whether it holds an
     * unhandled failure. Computed on first use and kept with the layout: the root group spans the whole run,
     * and a redraw (pan, zoom, hover) must not walk it again.
     */
    groupExtent: (lane: number) => GroupExtent;
}

export interface GroupExtent {
    start: number;
    end: number;
    failed: boolean;
}

/** Several runs: which run comes first, and whether each band starts at zero or at its clock time. */
export interface BandOptions {
    /** "start": as they happened; "duration": longest first; "status": runs with an unhandled failure first. */
    order?: "start" | "duration" | "status";
    /** One shared clock axis from the earliest start, instead of every band starting at zero. */
    absolute?: boolean;
    /**
     * Every band from its run's start to its run's end over the whole width ("fit"), instead of one shared
     * ms scale; "auto" fits only when a shared scale would squeeze most bands (see `squeezedBands`).
     */
    fit?: boolean | "auto";
}

/** Axis units of a run's whole length when every band fills the width (the axis then reads 0-100%). */
export const FIT_SPAN = 100_000;

/**
 * Whether one shared scale would leave most bands unreadable: the median run is under a quarter of the
 * longest, so half the bands would fill less than a quarter of the plot. Trace viewers answer the same
 * problem two ways: Perfetto keeps one clock for all tracks and leaves reading a short one to zooming, which
 * suits slices that ran at the same time (here: Clock time); Jaeger draws each trace over the full width
 * of its own duration and states the duration as text, which suits comparing where separate runs spent
 * their time. Runs of one flow are separate executions, so when their lengths differ this much each band
 * is scaled to its own run (durations stay in the band labels), as Jaeger does; similar lengths keep the
 * shared scale, which also compares lengths.
 */
export function squeezedBands(t: ActionTable, runs: number[]): boolean {
    if (runs.length < 2) return false;
    const lengths = Float64Array.from(runs, (r) => t.runFinish[r] - t.runStart[r]).sort();
    const longest = lengths[lengths.length - 1];
    return longest > 0 && lengths[(lengths.length - 1) >> 1] < longest / 4;
}

export function layoutTimeline(t: ActionTable, slowestN: number, forceBands = false, collapsed?: ReadonlySet<number>, bands: BandOptions = {}): TimelineLayout {
    const runs = runsInTable(t);
    const single = !(runs.length > 1 || forceBands);
    const emphasised = markSlowest(t, runs, slowestN);
    const aboveP95 = markAboveP95(t, emphasised);
    const order = t.order;
    if (!single) {
        const failing = new Uint8Array(t.runFirst.length);
        if (bands.order === "status") {
            for (const r of runs) for (let k = t.runFirst[r]; k < t.runEnd[r] && !failing[r]; k++) failing[r] = t.failed[order[k]] & (t.handled[order[k]] ^ 1);
        }
        const length = (r: number): number => t.runFinish[r] - t.runStart[r];
        const laneRef = Int32Array.from(runs).sort((a, b) =>
            (bands.order === "duration" ? length(b) - length(a) : bands.order === "status" ? failing[b] - failing[a] : 0)
            || t.runStart[a] - t.runStart[b] || a - b);
        const laneOfRow = new Int32Array(t.size).fill(-1);
        let span = 0, first = Infinity, last = -Infinity;
        laneRef.forEach((r, lane) => {
            for (let k = t.runFirst[r]; k < t.runEnd[r]; k++) laneOfRow[order[k]] = lane;
            span = Math.max(span, length(r));
            first = Math.min(first, t.runStart[r]);
            last = Math.max(last, t.runFinish[r]);
        });
        const fit = !bands.absolute && (bands.fit === "auto" ? squeezedBands(t, runs) : !!bands.fit);
        if (bands.absolute && runs.length) span = last - first;
        if (fit) span = FIT_SPAN;
        const origin = bands.absolute ? (): number => first : (row: number): number => t.runStart[runOf(t, row)];
        return {
            mode: "bands",
            laneCount: runs.length,
            laneKind: new Uint8Array(runs.length).fill(LaneKind.Run),
            laneDepth: new Uint8Array(runs.length),
            laneRef,
            laneLabel: (lane) => runLabel(t, laneRef[lane]),
            laneOfRow,
            originOfRow: origin,
            axisTime: fit
                ? (row, ms) => { const r = runOf(t, row), length = t.runFinish[r] - t.runStart[r]; return length > 0 ? ((ms - t.runStart[r]) / length) * FIT_SPAN : 0; }
                : (row, ms) => ms - origin(row),
            fit,
            span,
            emphasised,
            aboveP95,
            bandRows: (lane) => [t.runFirst[laneRef[lane]], t.runEnd[laneRef[lane]]],
            groupRows: () => [0, 0],
            laneCollapsed: new Uint8Array(runs.length),
            groupExtent: () => ({ start: NaN, end: NaN, failed: false }),
        };
    }
    // Single run. The run's first subflow (main) is its root group, headed once; each call of another
    // subflow is a group of its own, nested under the root, named once per call. When execution returns to
    // main, its actions go on in the root group without a second "main" header. A collapsed group keeps
    // only its header lane, keyed by the group's first action row; collapsing the root folds the whole run.
    // Each pass over the rows is a small function of its own: on a cold page V8 compiles a loop sooner and
    // faster (on-stack replacement) the smaller the function around it is.
    const folded = collapsed && collapsed.size > 0 ? collapsed : null;
    const n = t.count;
    const rootCollapsed = n > 0 && folded !== null && folded.has(order[0]);
    // At most a header and an action lane per row: filled in one pass, then cut to the lanes used.
    const cap = n === 0 ? 0 : rootCollapsed ? 2 : 2 * n + 2;
    const lanesOut: SingleLanes = {
        laneKind: new Uint8Array(cap), laneDepth: new Uint8Array(cap), laneRef: new Int32Array(cap),
        groupFrom: new Int32Array(cap), groupTo: new Int32Array(cap), laneCollapsed: new Uint8Array(cap),
        laneOfRow: new Int32Array(t.size).fill(-1),
    };
    let lanes = 0;
    if (n) {
        const o = lanesOut;
        o.laneKind[0] = LaneKind.Run; o.laneRef[0] = runs[0];
        o.laneKind[1] = LaneKind.Subflow; o.laneDepth[1] = 1; o.laneRef[1] = order[0]; o.groupFrom[1] = 0; o.groupTo[1] = n; o.laneCollapsed[1] = rootCollapsed ? 1 : 0;
        lanes = 2;
        if (rootCollapsed) for (let k = 0; k < n; k++) o.laneOfRow[order[k]] = 1;
        else lanes = fillLanes(order, t.subflow.codes, n, folded, lanesOut);
    }
    const laneKind = lanesOut.laneKind.subarray(0, lanes), laneDepth = lanesOut.laneDepth.subarray(0, lanes), laneRef = lanesOut.laneRef.subarray(0, lanes);
    const groupFrom = lanesOut.groupFrom.subarray(0, lanes), groupTo = lanesOut.groupTo.subarray(0, lanes), laneCollapsed = lanesOut.laneCollapsed.subarray(0, lanes);
    const laneOfRow = lanesOut.laneOfRow;
    const origin = n ? t.runStart[runs[0]] : 0;
    const span = n ? t.runFinish[runs[0]] - origin : 0;
    const extents = new Map<number, GroupExtent>();
    const groupExtent = (lane: number): GroupExtent => {
        let e = extents.get(lane);
        // The order as it is now: growing the table hands its buffers over (see `grow` in actionTable).
        const order = t.order;
        if (!e && lane === 1 && n > 0) {
            // The root group is the whole run: its extent is the run's (computed with the table), and only
            // whether it holds an unhandled failure is looked for, up to the first one.
            let failed = false;
            for (let k = 0; k < n && !failed; k++) failed = t.failed[order[k]] === 1 && t.handled[order[k]] === 0;
            e = { start: t.runStart[runs[0]], end: t.runFinish[runs[0]], failed };
            extents.set(lane, e);
        } else if (!e) {
            let s = Infinity, end = -Infinity, failed = false;
            for (let k = groupFrom[lane]; k < groupTo[lane]; k++) {
                const i = order[k];
                if (t.start[i] < s) s = t.start[i];
                const e = endOf(t, i);
                if (e > end) end = e;
                if (t.failed[i] === 1 && t.handled[i] === 0) failed = true;
            }
            e = { start: s, end, failed };
            extents.set(lane, e);
        }
        return e;
    };
    return {
        mode: "single",
        laneCount: lanes,
        laneKind, laneDepth, laneRef, laneCollapsed,
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
        axisTime: (_row, ms) => ms - origin,
        fit: false,
        span,
        emphasised,
        aboveP95,
        bandRows: () => [0, 0],
        groupRows: (lane) => [groupFrom[lane], groupTo[lane]],
        groupExtent,
    };
}

/** The lane arrays of a single run being filled (see TimelineLayout), with each subflow group's positions. */
interface SingleLanes {
    laneKind: Uint8Array;
    laneDepth: Uint8Array;
    laneRef: Int32Array;
    groupFrom: Int32Array;
    groupTo: Int32Array;
    laneCollapsed: Uint8Array;
    laneOfRow: Int32Array;
}

/**
 * Fills the lanes after the run's and the root group's header: a header per call of another subflow, and a
 * lane per shown action. Returns the number of lanes.
 */
function fillLanes(order: Int32Array, sub: Int16Array | Int32Array, n: number, folded: ReadonlySet<number> | null, out: SingleLanes): number {
    const { laneKind, laneDepth, laneRef, groupFrom, groupTo, laneCollapsed, laneOfRow } = out;
    // Lanes after the two headers are actions at depth 2 unless set otherwise (natively filled): per row the
    // loop writes only what differs, as it runs mostly interpreted on a cold page.
    laneKind.fill(LaneKind.Action, 2);
    laneDepth.fill(2, 2);
    const root = sub[order[0]];
    let l = 2, header = 1, hidden = false, prev = root;
    for (let k = 0; k < n; k++) {
        const i = order[k], code = sub[i];
        if (code !== prev) {
            // The group before ends here.
            if (header !== 1) groupTo[header] = k;
            if (code !== root) {
                laneKind[l] = LaneKind.Subflow; laneRef[l] = i; groupFrom[l] = k; header = l;
                hidden = folded !== null && folded.has(i);
                laneCollapsed[l] = hidden ? 1 : 0;
                l++;
            } else { header = 1; hidden = false; }
            prev = code;
        }
        if (hidden) { laneOfRow[i] = header; continue; }
        if (header !== 1) laneDepth[l] = 3;
        laneRef[l] = i; laneOfRow[i] = l; l++;
    }
    if (header !== 1) groupTo[header] = n;
    return l;
}

/** Rows slower than the p95 given for them (per row, e.g. a DAX measure over the flow's history). */
function markAboveP95(t: ActionTable, emphasised: Uint8Array): Uint8Array | null {
    const p95 = t.p95;
    // Pre-aggregated rows are not single actions: their p95 feeds the heatmap, not emphasis.
    if (!p95 || t.executions) return null;
    const out = new Uint8Array(t.size);
    for (let k = 0; k < t.count; k++) {
        const i = t.order[k];
        if (t.duration[i] > p95[i]) { out[i] = 1; emphasised[i] = 1; }
    }
    return out;
}

function markSlowest(t: ActionTable, runs: number[], n: number): Uint8Array {
    const out = new Uint8Array(t.size);
    if (n <= 0) return out;
    const best = new Int32Array(n);
    for (const r of runs) markSlowestIn(t, t.runFirst[r], t.runEnd[r], best, out);
    return out;
}

/**
 * Marks in `out` the `best.length` longest rows at positions [from, to) of the order, by insertion into a
 * short list (`best`, reused): no sort of every run, a million rows in bands. Unknown durations (end
 * unknown), zero durations and containers are never emphasised.
 */
function markSlowestIn(t: ActionTable, from: number, to: number, best: Int32Array, out: Uint8Array): void {
    const n = best.length;
    if (n === 0) return;
    const order = t.order, duration = t.duration, container = t.container;
    // What a row must exceed to enter the list: 0 until it is full, then its shortest. Kept in a local, so
    // the many rows that do not enter cost two reads (a cold page runs this loop mostly interpreted).
    let found = 0, floor = 0;
    for (let k = from; k < to; k++) {
        const i = order[k];
        const d = duration[i];
        if (!(d > floor) || container[i]) continue;
        let j = Math.min(found, n - 1);
        while (j > 0 && duration[best[j - 1]] < d) { best[j] = best[j - 1]; j--; }
        best[j] = i;
        if (found < n) found++;
        if (found === n) floor = duration[best[n - 1]];
    }
    for (let j = 0; j < found; j++) out[best[j]] = 1;
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
        const x0 = timeToX(g, v, layout.axisTime(row, t.start[row])), x1 = barRight(t, row, x0, timeToX(g, v, layout.axisTime(row, endOf(t, row))));
        return x >= x0 - slack && x <= x1 + slack ? row : -1;
    }
    const [from, to] = layout.bandRows(lane);
    let best = -1, bestDist = Infinity;
    for (let k = from; k < to; k++) {
        const i = t.order[k];
        const x0 = timeToX(g, v, layout.axisTime(i, t.start[i])), x1 = barRight(t, i, x0, timeToX(g, v, layout.axisTime(i, endOf(t, i))));
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

/** Time (ms relative to the origin) at a horizontal position of the plot. */
export function xToTime(g: TimelineGeometry, v: TimelineViewport, x: number): number {
    return v.t0 + ((x - g.labelWidth) / Math.max(1, g.width - g.labelWidth)) * (v.t1 - v.t0);
}

/** A lane scroll position kept within the lanes: never above the first, never past the last screenful. */
export function clampScroll(layout: TimelineLayout | null, g: TimelineGeometry, y: number): number {
    const total = (layout?.laneCount ?? 0) * g.laneHeight;
    return Math.max(0, Math.min(y, total - (g.height - g.axisHeight)));
}

/** The lane of a kind showing a reference (an action row, a group's first row, a run code), or -1. */
export function findLane(l: TimelineLayout, kind: LaneKind, ref: number): number {
    if (kind === LaneKind.Action) {
        const lane = ref < l.laneOfRow.length ? l.laneOfRow[ref] : -1;
        return lane >= 0 && l.laneKind[lane] === LaneKind.Action ? lane : -1;
    }
    for (let lane = 0; lane < l.laneCount; lane++) if (l.laneKind[lane] === kind && l.laneRef[lane] === ref) return lane;
    return -1;
}

/** Unhandled failures in reading order (lane, then time), with their lanes, for navigation and the scrollbar. */
export interface Failures {
    rows: Int32Array;
    /** Lane of each entry of `rows`. */
    lanesOfRows: Int32Array;
    /** Distinct lanes holding a failure, ascending. */
    lanes: Int32Array;
}

export function failuresOf(t: ActionTable, layout: TimelineLayout): Failures {
    const rows: number[] = [];
    const order = t.order, at = t.unhandledAt, laneOfRow = layout.laneOfRow;
    // The table knows where its unhandled failures are in the order: only those are visited, not every row.
    const scan = (from: number, to: number): void => {
        for (let j = firstAtOrAfter(at, from); j < at.length && at[j] < to; j++) {
            const i = order[at[j]];
            if (laneOfRow[i] >= 0) rows.push(i);
        }
    };
    // Bands may be ordered other than by run: lane by lane, each run's rows in time order.
    if (layout.mode === "bands") for (let lane = 0; lane < layout.laneCount; lane++) scan(...layout.bandRows(lane));
    else scan(0, t.count);
    const lanesOfRows = Int32Array.from(rows, (r) => layout.laneOfRow[r]);
    const lanes = Int32Array.from(new Set(lanesOfRows)).sort();
    return { rows: Int32Array.from(rows), lanesOfRows, lanes };
}

/** Index of the first entry of ascending `a` that is >= `x` (a.length when none is). */
function firstAtOrAfter(a: Int32Array, x: number): number {
    let lo = 0, hi = a.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (a[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
