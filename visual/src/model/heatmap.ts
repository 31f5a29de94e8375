import { ActionTable, TextColumn } from "./actionTable";

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
    /**
     * True when the value combines several pre-aggregated percentiles (an executions-weighted mean of
     * them): a percentile of the union cannot be recovered from percentiles of the parts.
     */
    approximate: boolean;
    /** Source rows combined into the cell (pre-aggregated input: rows of action_hourly). */
    sourceRows: number;
    /** Indexes into the ActionTable of the rows behind the cell. */
    members: Int32Array;
}

export interface HeatmapModel {
    rowLabels: string[];
    /** Column keys: hour 0-23, weekday 0-6 (Monday first), date as epoch ms of local midnight, machine code. */
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
    /** Rows left out by maxRows. */
    hiddenRows: number;
}

const DAY = 86_400_000;

function columnKey(t: ActionTable, i: number, columns: HeatColumns): number {
    const s = t.start[i];
    switch (columns) {
        case "hour": return new Date(s).getHours();
        case "weekday": return (new Date(s).getDay() + 6) % 7;
        case "date": { const d = new Date(s); return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(); }
        case "machine": return t.machine.codes[i];
    }
}

export function quantile(sorted: Float64Array, q: number): number {
    if (sorted.length === 0) return NaN;
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** `durations` holds the known durations only; `count` counts every action (end unknown included). */
function measureOf(durations: Float64Array, count: number, failures: number, measure: HeatMeasure): number {
    const n = durations.length;
    switch (measure) {
        case "count": return count;
        case "failureRate": return count === 0 ? 0 : failures / count;
        case "mean": { let s = 0; for (let i = 0; i < n; i++) s += durations[i]; return n === 0 ? NaN : s / n; }
        case "p50": return quantile(durations.sort(), 0.5);
        case "p95": return quantile(durations.sort(), 0.95);
    }
}

interface CellStats { value: number; count: number; failures: number; handledFailures: number; approximate: boolean }

/**
 * Value of a cell from the table rows behind it. Raw rows: computed from their durations. Pre-aggregated
 * rows (Executions bound) are taken as given: count = Σ executions, failure rate = Σ failures / Σ executions,
 * mean = Σ total / Σ executions (needs Total (ms)), p50/p95 = the given percentile when one row is behind the
 * cell, else the executions-weighted mean of the given percentiles, flagged approximate.
 */
function cellStats(t: ActionTable, mem: ArrayLike<number>, measure: HeatMeasure, includeHandled: boolean): CellStats {
    const ex = t.executions;
    if (!ex) {
        const d = new Float64Array(mem.length);
        let known = 0, failures = 0, handled = 0;
        for (let k = 0; k < mem.length; k++) {
            const i = mem[k];
            // Actions whose end is unknown count as actions (and failures) but have no duration to rank.
            if (!Number.isNaN(t.duration[i])) d[known++] = t.duration[i];
            if (t.handled[i]) handled++;
            else failures += t.failed[i];
        }
        const value = measureOf(d.subarray(0, known), mem.length, failures + (includeHandled ? handled : 0), measure);
        return { value, count: mem.length, failures, handledFailures: handled, approximate: false };
    }
    let executions = 0, failures = 0, handled = 0, total = 0, weighted = 0, weight = 0, given = 0;
    const pct = measure === "p50" ? t.p50 : measure === "p95" ? t.p95 : null;
    for (let k = 0; k < mem.length; k++) {
        const i = mem[k];
        executions += ex[i];
        // action_hourly.failures includes the handled ones (handled_failures): split them.
        if (t.failureCount && t.failureCount[i] > 0) {
            const h = Math.min(t.failureCount[i], t.handledCount && t.handledCount[i] > 0 ? t.handledCount[i] : 0);
            failures += t.failureCount[i] - h;
            handled += h;
        }
        if (t.totalMs && !Number.isNaN(t.totalMs[i])) total += t.totalMs[i];
        if (pct && !Number.isNaN(pct[i])) { weighted += pct[i] * ex[i]; weight += ex[i]; given++; }
    }
    let value: number;
    switch (measure) {
        case "count": value = executions; break;
        case "failureRate": value = executions > 0 ? (failures + (includeHandled ? handled : 0)) / executions : 0; break;
        case "mean": value = t.totalMs && executions > 0 ? total / executions : NaN; break;
        default: value = weight > 0 ? weighted / weight : NaN;
    }
    return { value, count: executions, failures, handledFailures: handled, approximate: pct !== null && given > 1 };
}

/** Aggregates raw action rows into heatmap cells; rows are sorted worst first (highest overall value). */
export function buildHeatmap(t: ActionTable, options: HeatmapOptions, rowFilter?: Uint8Array | null): HeatmapModel {
    const includeHandled = options.includeHandledFailures ?? false;
    const rowCol: TextColumn = options.rows === "action" ? t.action : options.rows === "subflow" ? t.subflow : t.flow;
    const rowCount = rowCol.values.length + 1; // +1 for blank
    const colIndex = new Map<number, number>();
    const colKeys: number[] = [];
    const cellOf = new Int32Array(t.count);
    const rowOf = (i: number): number => (rowCol.codes[i] < 0 ? rowCount - 1 : rowCol.codes[i]);
    for (let i = 0; i < t.count; i++) {
        if ((rowFilter && !rowFilter[i]) || (!options.includeContainers && t.container[i])) { cellOf[i] = -1; continue; }
        const k = columnKey(t, i, options.columns);
        let c = colIndex.get(k);
        if (c === undefined) { c = colKeys.length; colKeys.push(k); colIndex.set(k, c); }
        cellOf[i] = c;
    }
    // Columns in natural order (hours, weekdays, dates ascending; machines by name).
    const colOrder = colKeys.map((_, i) => i);
    if (options.columns === "machine") {
        const name = (k: number): string => (k < 0 ? "" : t.machine.values[k]);
        colOrder.sort((a, b) => name(colKeys[a]).localeCompare(name(colKeys[b])));
    } else colOrder.sort((a, b) => colKeys[a] - colKeys[b]);
    const colRank = new Int32Array(colKeys.length);
    colOrder.forEach((c, rank) => { colRank[c] = rank; });
    const nCols = colKeys.length;

    // Counting sort of rows by (row, column) so each cell's members are contiguous.
    const cellCount = rowCount * nCols;
    const counts = new Int32Array(cellCount + 1);
    const rowTotals = new Int32Array(rowCount);
    for (let i = 0; i < t.count; i++) {
        if (cellOf[i] < 0) continue;
        const cell = rowOf(i) * nCols + colRank[cellOf[i]];
        cellOf[i] = cell;
        counts[cell + 1]++;
        rowTotals[rowOf(i)]++;
    }
    for (let c = 0; c < cellCount; c++) counts[c + 1] += counts[c];
    const members = new Int32Array(counts[cellCount]);
    const fill = counts.slice(0, cellCount);
    for (let i = 0; i < t.count; i++) if (cellOf[i] >= 0) members[fill[cellOf[i]]++] = i;

    // Overall value per row decides the order (worst first).
    const rowValue = new Float64Array(rowCount).fill(-Infinity);
    for (let r = 0; r < rowCount; r++) {
        if (rowTotals[r] === 0) continue;
        const v = cellStats(t, members.subarray(counts[r * nCols], counts[(r + 1) * nCols]), options.measure, includeHandled).value;
        // A row whose value is unknown (e.g. mean without Total (ms)) sorts last.
        rowValue[r] = Number.isNaN(v) ? -Infinity : v;
    }
    const rowsPresent: number[] = [];
    for (let r = 0; r < rowCount; r++) if (rowTotals[r] > 0) rowsPresent.push(r);
    const label = (r: number): string => (r < rowCol.values.length ? rowCol.values[r] : "");
    rowsPresent.sort((a, b) => rowValue[b] - rowValue[a] || label(a).localeCompare(label(b)));
    const shown = rowsPresent.slice(0, Math.max(1, options.maxRows));

    const cells: HeatCell[] = [];
    const grid = new Int32Array(shown.length * nCols).fill(-1);
    let min = Infinity, max = -Infinity;
    shown.forEach((r, outRow) => {
        for (let c = 0; c < nCols; c++) {
            const cell = r * nCols + c;
            const from = counts[cell], to = counts[cell + 1];
            if (to === from) continue;
            const mem = members.subarray(from, to);
            const { value, count, failures, handledFailures, approximate } = cellStats(t, mem, options.measure, includeHandled);
            // Pre-aggregated input can lack the measure asked for (no p95 column): such cells stay empty.
            if (Number.isNaN(value)) continue;
            grid[outRow * nCols + c] = cells.length;
            cells.push({ row: outRow, col: c, value, count, failures, handledFailures, approximate, sourceRows: mem.length, members: mem });
            if (value < min) min = value;
            if (value > max) max = value;
        }
    });
    return {
        rowLabels: shown.map(label),
        columnKeys: colOrder.map((c) => colKeys[c]),
        columns: options.columns,
        measure: options.measure,
        includeHandledFailures: includeHandled,
        preAggregated: t.executions !== null,
        cells, grid,
        min: cells.length ? min : 0,
        max: cells.length ? max : 0,
        hiddenRows: rowsPresent.length - shown.length,
    };
}

export { DAY };
