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
}

export interface HeatCell {
    row: number;
    col: number;
    value: number;
    count: number;
    failures: number;
    /** Indexes into the ActionTable of the rows behind the cell. */
    members: Int32Array;
}

export interface HeatmapModel {
    rowLabels: string[];
    /** Column keys: hour 0-23, weekday 0-6 (Monday first), date as epoch ms of local midnight, machine code. */
    columnKeys: number[];
    columns: HeatColumns;
    measure: HeatMeasure;
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

function measureOf(durations: Float64Array, failures: number, measure: HeatMeasure): number {
    const n = durations.length;
    switch (measure) {
        case "count": return n;
        case "failureRate": return n === 0 ? 0 : failures / n;
        case "mean": { let s = 0; for (let i = 0; i < n; i++) s += durations[i]; return n === 0 ? NaN : s / n; }
        case "p50": return quantile(durations.sort(), 0.5);
        case "p95": return quantile(durations.sort(), 0.95);
    }
}

/** Aggregates raw action rows into heatmap cells; rows are sorted worst first (highest overall value). */
export function buildHeatmap(t: ActionTable, options: HeatmapOptions, rowFilter?: Uint8Array | null): HeatmapModel {
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
        const from = counts[r * nCols], to = counts[(r + 1) * nCols];
        const d = new Float64Array(to - from);
        let failures = 0;
        for (let k = from; k < to; k++) { d[k - from] = t.duration[members[k]]; failures += t.failed[members[k]]; }
        rowValue[r] = measureOf(d, failures, options.measure);
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
            const d = new Float64Array(mem.length);
            let failures = 0;
            for (let k = 0; k < mem.length; k++) { d[k] = t.duration[mem[k]]; failures += t.failed[mem[k]]; }
            const value = measureOf(d, failures, options.measure);
            grid[outRow * nCols + c] = cells.length;
            cells.push({ row: outRow, col: c, value, count: mem.length, failures, members: mem });
            if (value < min) min = value;
            if (value > max) max = value;
        }
    });
    return {
        rowLabels: shown.map(label),
        columnKeys: colOrder.map((c) => colKeys[c]),
        columns: options.columns,
        measure: options.measure,
        cells, grid,
        min: cells.length ? min : 0,
        max: cells.length ? max : 0,
        hiddenRows: rowsPresent.length - shown.length,
    };
}

export { DAY };
