import { ActionTable, LocalClock, TextColumn, grow } from "./actionTable";

export type HeatRows = "action" | "subflow" | "flow";
export type HeatColumns = "hour" | "weekday" | "date" | "machine";
export type HeatMeasure = "p50" | "p95" | "mean" | "failureRate" | "count";

export interface HeatmapOptions {
    rows: HeatRows;
    columns: HeatColumns;
    measure: HeatMeasure;
    maxRows: number;
    /** Containers (loops, subflow calls) are left out unless asked for: their time is their children's. */
    includeContainers?: boolean;
    /**
     * Handled failures (failed inside an error handler) are not failures unless asked for: off, the failure
     * rate counts unhandled failures only.
     */
    includeHandledFailures?: boolean;
}

export interface HeatCell {
    row: number;
    col: number;
    value: number;
    count: number;
    /** Unhandled failures (all failures when nothing says which were handled). */
    failures: number;
    /** Failures inside an error handler. */
    handledFailures: number;
    /** Failures that count for the failure rate / count (handled ones only with includeHandledFailures). */
    failureRate: number;
    /**
     * True when the value combines several pre-aggregated percentiles (an executions-weighted mean of
     * them): a percentile of the union cannot be recovered from percentiles of the parts.
     */
    approximate: boolean;
    /** Source rows combined into the cell (pre-aggregated input: rows of action_hourly). */
    sourceRows: number;
    /** Row ids of the ActionTable behind the cell. */
    members: Int32Array;
}

export interface HeatmapModel {
    rowLabels: string[];
    /** Per shown row: the code of its text column (-1 for blank), the row's identity across segments. */
    rowKeys: number[];
    /**
     * Column keys: hour 0-23, weekday 0-6 (Monday first), date as epoch ms of local midnight, machine code.
     * Every hour, weekday and date in the range is a column, with or without data, so gaps show as gaps.
     */
    columnKeys: number[];
    columns: HeatColumns;
    measure: HeatMeasure;
    /** Whether handled failures count in the failure rate (HeatmapOptions.includeHandledFailures). */
    includeHandledFailures: boolean;
    /** True when the rows were pre-aggregated (Executions bound) and taken as given. */
    preAggregated: boolean;
    cells: HeatCell[];
    /** cells by [row * columnKeys.length + col], -1 when empty. */
    grid: Int32Array;
    min: number;
    max: number;
    /** Cell values, ascending (for a quantile colour scale and the legend). */
    sortedValues: Float64Array;
    /** Rows left out by maxRows. */
    hiddenRows: number;
}

const DAY = 86_400_000;

export function quantile(sorted: Float64Array, q: number): number {
    if (sorted.length === 0) return NaN;
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The k-th smallest (0-based) of the union of ascending arrays, without merging them: each step takes the
 * middle of the longest remaining range as pivot and keeps only the side of it that holds the k-th value.
 */
function kthOfSorted(arrays: Float64Array[], k: number): number {
    const lo = new Int32Array(arrays.length), hi = Int32Array.from(arrays, (a) => a.length);
    const below = new Int32Array(arrays.length), upTo = new Int32Array(arrays.length);
    for (;;) {
        let j = -1;
        for (let a = 0; a < arrays.length; a++) if (hi[a] > lo[a] && (j < 0 || hi[a] - lo[a] > hi[j] - lo[j])) j = a;
        if (j < 0) return NaN;
        const pivot = arrays[j][(lo[j] + hi[j]) >> 1];
        let less = 0, notMore = 0;
        for (let a = 0; a < arrays.length; a++) {
            below[a] = bound(arrays[a], pivot, lo[a], hi[a], false);
            upTo[a] = bound(arrays[a], pivot, below[a], hi[a], true);
            less += below[a] - lo[a];
            notMore += upTo[a] - lo[a];
        }
        if (k < less) hi.set(below);
        else if (k < notMore) return pivot;
        else { k -= notMore; lo.set(upTo); }
    }
}

/** First index in [lo, hi) of an ascending array whose value is >= x (or > x when `after`). */
function bound(a: Float64Array, x: number, lo: number, hi: number, after: boolean): number {
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (a[mid] < x || (after && a[mid] === x)) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/** The q-quantile (linear interpolation, as `quantile`) of the union of ascending arrays. */
function quantileOfSorted(arrays: Float64Array[], q: number): number {
    let n = 0;
    for (const a of arrays) n += a.length;
    if (n === 0) return NaN;
    const pos = (n - 1) * q;
    const lo = Math.floor(pos), hi = Math.ceil(pos);
    const a = kthOfSorted(arrays, lo);
    return lo === hi ? a : a + (kthOfSorted(arrays, hi) - a) * (pos - lo);
}

/**
 * Additive statistics of a set of rows, plus (cells only) their members and, when percentiles are asked for,
 * their known durations in ascending order. A heatmap row keeps neither: its members are its cells', and its
 * percentile is taken over its cells' sorted durations, so a million rows are stored once, not twice.
 */
class Agg {
    count = 0;
    failures = 0;
    handled = 0;
    sum = 0;
    known = 0;
    executions = 0;
    total = 0;
    weighted = 0;
    weight = 0;
    given = 0;
    durations: Float64Array | null;
    members: Int32Array;
    nMembers = 0;
    /** A row's cells (null for a cell). */
    readonly cells: Agg[] | null;
    constructor(readonly key: number, readonly colKey: number, percentiles: boolean, isRow = false) {
        this.durations = percentiles && !isRow ? new Float64Array(4) : null;
        this.members = new Int32Array(isRow ? 0 : 4);
        this.cells = isRow ? [] : null;
    }

    addMember(row: number): void {
        if (this.nMembers === this.members.length) {
            const m = new Int32Array(this.members.length * 2);
            m.set(this.members);
            this.members = m;
        }
        this.members[this.nMembers++] = row;
    }

    removeMember(row: number): void {
        const k = this.members.subarray(0, this.nMembers).indexOf(row);
        if (k < 0) return;
        this.members.copyWithin(k, k + 1, this.nMembers);
        this.nMembers--;
    }

    /** Merges ascending `add` into the ascending durations, from the back, in place. */
    mergeDurations(add: Float64Array): void {
        if (!this.durations || add.length === 0) return;
        const n = this.known - add.length; // `known` already counts them
        let buf = this.durations;
        // Grown in place where the browser can (see `grow`): nothing outside keeps a view of it.
        if (buf.length < this.known) buf = this.durations = grow(buf, Math.max(this.known, buf.length * 2), n);
        let i = n - 1, j = add.length - 1, k = this.known - 1;
        while (j >= 0) buf[k--] = i >= 0 && buf[i] > add[j] ? buf[i--] : add[j--];
    }

    removeDuration(d: number): void {
        const buf = this.durations;
        if (!buf) return;
        // `known` was already decremented: the array holds known + 1 values.
        let lo = 0, hi = this.known;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (buf[mid] < d) lo = mid + 1; else hi = mid; }
        buf.copyWithin(lo, lo + 1, this.known + 1);
    }
}

interface Stats { value: number; count: number; failures: number; handledFailures: number; failureRate: number; approximate: boolean }

/**
 * Heatmap cells kept up to date as rows arrive: each segment adds its rows to the cells and rows they fall
 * in (counts, sums, members, and percentile durations merged in order), so a million rows never have to be
 * aggregated again. Raw rows: values computed from their durations. Pre-aggregated rows (Executions bound)
 * are taken as given: count = Σ executions, failure rate = Σ failures / Σ executions, mean = Σ total /
 * Σ executions (needs Total (ms)), p50/p95 = the given percentile when one row is behind the cell, else the
 * executions-weighted mean of the given percentiles, flagged approximate.
 */
export class HeatmapAggregator {
    private readonly cells = new Map<number, Agg>();
    private readonly rows = new Map<number, Agg>();
    private readonly percentiles: boolean;
    private readonly includeHandled: boolean;
    private readonly clock = new LocalClock();

    constructor(readonly options: HeatmapOptions, private readonly preAggregated: boolean) {
        this.percentiles = !preAggregated && (options.measure === "p50" || options.measure === "p95");
        this.includeHandled = options.includeHandledFailures ?? false;
    }

    private rowColumn(t: ActionTable): TextColumn {
        return this.options.rows === "action" ? t.action : this.options.rows === "subflow" ? t.subflow : t.flow;
    }

    private columnKey(t: ActionTable, i: number): number {
        switch (this.options.columns) {
            case "hour": return this.clock.hour(t.start[i]);
            case "weekday": return (((this.clock.day(t.start[i]) + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; Monday is 0
            case "date": return this.clock.day(t.start[i]);
            case "machine": return t.machine.codes[i];
        }
    }

    private counts(t: ActionTable, i: number): boolean {
        return this.options.includeContainers || !t.container[i];
    }

    /** Adds kept rows (row ids) to their cells. */
    add(t: ActionTable, rowIds: ArrayLike<number>): void {
        // Read once: a lazily encoded column (see LazyTextColumn) resolves its codes on first read.
        const rowCodes = this.rowColumn(t).codes;
        const touched = new Map<Agg, number[]>();
        const touch = (a: Agg, i: number): void => {
            const list = touched.get(a);
            if (list) list.push(i); else touched.set(a, [i]);
        };
        for (let k = 0; k < rowIds.length; k++) {
            const i = rowIds[k];
            if (!this.counts(t, i)) continue;
            const rk = rowCodes[i];
            const ck = this.columnKey(t, i);
            let row = this.rows.get(rk);
            if (!row) { row = new Agg(rk, 0, this.percentiles, true); this.rows.set(rk, row); }
            // Cell keys: row code + 1 in the high part, the column key (at most a few 100,000) in the low part.
            const key = (rk + 1) * 4_194_304 + (ck + 1);
            let cell = this.cells.get(key);
            if (!cell) { cell = new Agg(rk, ck, this.percentiles); this.cells.set(key, cell); row.cells?.push(cell); }
            touch(row, i);
            touch(cell, i);
        }
        for (const [agg, list] of touched) {
            let nd = 0;
            const d = this.percentiles ? new Float64Array(list.length) : null;
            const cell = agg.cells === null;
            for (const i of list) {
                this.accumulate(t, agg, i, 1);
                if (!cell) continue;
                agg.addMember(i);
                if (d && !Number.isNaN(t.duration[i])) d[nd++] = t.duration[i];
            }
            if (d && cell) agg.mergeDurations(d.subarray(0, nd).sort());
        }
    }

    /** Rows whose container flag flipped after a later segment: in or out of their cells as they now count. */
    containersChanged(t: ActionTable, rowIds: ArrayLike<number>): void {
        if (this.options.includeContainers) return;
        const into: number[] = [], outOf: number[] = [];
        for (let k = 0; k < rowIds.length; k++) (t.container[rowIds[k]] ? outOf : into).push(rowIds[k]);
        this.remove(t, outOf);
        this.add(t, into);
    }

    /** Removes rows from their cells. */
    private remove(t: ActionTable, rowIds: ArrayLike<number>): void {
        const rowCodes = this.rowColumn(t).codes;
        for (let k = 0; k < rowIds.length; k++) {
            const i = rowIds[k];
            const rk = rowCodes[i];
            const cell = this.cells.get((rk + 1) * 4_194_304 + (this.columnKey(t, i) + 1));
            const row = this.rows.get(rk);
            // A row counts in its cell and that cell's row together: the cell's members say whether it did.
            if (!cell || cell.members.subarray(0, cell.nMembers).indexOf(i) < 0) continue;
            this.accumulate(t, cell, i, -1);
            cell.removeMember(i);
            if (!Number.isNaN(t.duration[i])) cell.removeDuration(t.duration[i]);
            if (row) this.accumulate(t, row, i, -1);
        }
    }

    /** Adds (sign 1) or takes away (sign -1) one row's contribution to the additive statistics. */
    private accumulate(t: ActionTable, a: Agg, i: number, sign: number): void {
        a.count += sign;
        const ex = t.executions;
        if (!ex) {
            if (!Number.isNaN(t.duration[i])) { a.sum += sign * t.duration[i]; a.known += sign; }
            if (t.handled[i]) a.handled += sign;
            else a.failures += sign * t.failed[i];
            return;
        }
        a.executions += sign * ex[i];
        // action_hourly.failures includes the handled ones (handled_failures): split them.
        if (t.failureCount && t.failureCount[i] > 0) {
            const h = Math.min(t.failureCount[i], t.handledCount && t.handledCount[i] > 0 ? t.handledCount[i] : 0);
            a.failures += sign * (t.failureCount[i] - h);
            a.handled += sign * h;
        }
        if (t.totalMs && !Number.isNaN(t.totalMs[i])) a.total += sign * t.totalMs[i];
        const pct = this.options.measure === "p50" ? t.p50 : this.options.measure === "p95" ? t.p95 : null;
        if (pct && !Number.isNaN(pct[i])) { a.weighted += sign * pct[i] * ex[i]; a.weight += sign * ex[i]; a.given += sign; }
    }

    private stats(t: ActionTable, a: Agg): Stats {
        const m = this.options.measure;
        if (!t.executions) {
            const failing = a.failures + (this.includeHandled ? a.handled : 0);
            const rate = a.count === 0 ? 0 : failing / a.count;
            const q = m === "p50" ? 0.5 : 0.95;
            const value = m === "count" ? a.count : m === "failureRate" ? rate : m === "mean" ? (a.known === 0 ? NaN : a.sum / a.known)
                : a.cells ? quantileOfSorted(a.cells.map((c) => (c.durations ? c.durations.subarray(0, c.known) : new Float64Array(0))), q)
                    : quantile(a.durations ? a.durations.subarray(0, a.known) : new Float64Array(0), q);
            return { value, count: a.count, failures: a.failures, handledFailures: a.handled, failureRate: rate, approximate: false };
        }
        const rate = a.executions > 0 ? (a.failures + (this.includeHandled ? a.handled : 0)) / a.executions : 0;
        const value = m === "count" ? a.executions : m === "failureRate" ? rate : m === "mean" ? (t.totalMs && a.executions > 0 ? a.total / a.executions : NaN)
            : a.weight > 0 ? a.weighted / a.weight : NaN;
        return { value, count: a.executions, failures: a.failures, handledFailures: a.handled, failureRate: rate, approximate: (m === "p50" || m === "p95") && a.given > 1 };
    }

    /** The model to draw: rows worst first (capped), every column of the range, cells with a value. */
    model(t: ActionTable): HeatmapModel {
        const rc = this.rowColumn(t);
        const label = (code: number): string => (code >= 0 ? rc.values[code] : "");
        const rowValue = new Map<number, number>();
        const present: number[] = [];
        for (const [key, agg] of this.rows) {
            if (agg.count <= 0) continue;
            const v = this.stats(t, agg).value;
            // A row whose value is unknown (e.g. mean without Total (ms)) sorts last.
            rowValue.set(key, Number.isNaN(v) ? -Infinity : v);
            present.push(key);
        }
        present.sort((a, b) => rowValue.get(b)! - rowValue.get(a)! || label(a).localeCompare(label(b)));
        const shown = present.slice(0, Math.max(1, this.options.maxRows));
        const rowIndex = new Map<number, number>();
        shown.forEach((k, i) => rowIndex.set(k, i));

        const columnKeys = this.columnKeysOf(t);
        const colIndex = new Map<number, number>();
        const dateKey = this.options.columns === "date";
        columnKeys.forEach((k, i) => colIndex.set(k, i));
        const nCols = columnKeys.length;
        const grid = new Int32Array(shown.length * nCols).fill(-1);
        const cells: HeatCell[] = [];
        for (const agg of this.cells.values()) {
            const r = rowIndex.get(agg.key);
            if (r === undefined || agg.count <= 0) continue;
            const c = colIndex.get(dateKey ? localMidnight(agg.colKey) : agg.colKey);
            if (c === undefined) continue;
            const s = this.stats(t, agg);
            // Pre-aggregated input can lack the measure asked for (no p95 column): such cells stay empty.
            if (Number.isNaN(s.value)) continue;
            cells.push({ row: r, col: c, value: s.value, count: s.count, failures: s.failures, handledFailures: s.handledFailures, failureRate: s.failureRate,
                approximate: s.approximate, sourceRows: agg.nMembers, members: agg.members.subarray(0, agg.nMembers) });
        }
        // Reading order, so keyboard focus and screen readers walk rows left to right.
        cells.sort((a, b) => a.row - b.row || a.col - b.col);
        let min = Infinity, max = -Infinity;
        const sortedValues = new Float64Array(cells.length);
        cells.forEach((cell, i) => {
            grid[cell.row * nCols + cell.col] = i;
            sortedValues[i] = cell.value;
            if (cell.value < min) min = cell.value;
            if (cell.value > max) max = cell.value;
        });
        sortedValues.sort();
        return {
            rowLabels: shown.map(label),
            rowKeys: shown,
            columnKeys,
            columns: this.options.columns,
            measure: this.options.measure,
            includeHandledFailures: this.includeHandled,
            preAggregated: t.executions !== null,
            cells, grid,
            min: cells.length ? min : 0,
            max: cells.length ? max : 0,
            sortedValues,
            hiddenRows: present.length - shown.length,
        };
    }

    /** All 24 hours, all 7 weekdays, every date from the first to the last, or the machines by name. */
    private columnKeysOf(t: ActionTable): number[] {
        const cols = this.options.columns;
        if (cols === "hour") return Array.from({ length: 24 }, (_, i) => i);
        if (cols === "weekday") return Array.from({ length: 7 }, (_, i) => i);
        const keys = new Set<number>();
        for (const agg of this.cells.values()) if (agg.count > 0 && this.rows.get(agg.key)) keys.add(agg.colKey);
        if (cols === "machine") {
            const name = (k: number): string => (k < 0 ? "" : t.machine.values[k]);
            return Array.from(keys).sort((a, b) => name(a).localeCompare(name(b)) || a - b);
        }
        if (keys.size === 0) return [];
        let lo = Infinity, hi = -Infinity;
        for (const k of keys) { lo = Math.min(lo, k); hi = Math.max(hi, k); }
        const out: number[] = [];
        for (let d = lo; d <= hi; d++) out.push(localMidnight(d));
        return out;
    }
}

/** Epoch ms of the local midnight that starts local day `day` (days since 1970-01-01, local). */
export function localMidnight(day: number): number {
    const d = new Date(day * DAY);
    return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()).getTime();
}

/** Aggregates the table's kept rows into heatmap cells; rows are sorted worst first (highest overall value). */
export function buildHeatmap(t: ActionTable, options: HeatmapOptions): HeatmapModel {
    const agg = new HeatmapAggregator(options, t.executions !== null);
    agg.add(t, t.order);
    return agg.model(t);
}

export { DAY };
