import powerbi from "powerbi-visuals-api";
import { Roles } from "./roles";

import DataView = powerbi.DataView;
import PrimitiveValue = powerbi.PrimitiveValue;

/** Dictionary-encoded text column: `codes[i]` indexes `values`, -1 means missing. */
export interface TextColumn {
    codes: Int32Array;
    values: string[];
}

/**
 * Column-oriented action rows, sorted by run then start time, duplicates removed.
 * Typed arrays keep one million rows to a few tens of MB with no per-row objects.
 */
export interface ActionTable {
    count: number;
    /** Index of the row in the DataView's table (selection ids and tooltips go back to it). */
    sourceRow: Int32Array;
    run: TextColumn;
    flow: TextColumn;
    subflow: TextColumn;
    action: TextColumn;
    machine: TextColumn;
    status: TextColumn;
    error: TextColumn;
    /** The action's module (Module field), e.g. UIAutomation; missing when the field is not bound. */
    module: TextColumn;
    actionIndex: Float64Array;
    /** Epoch ms. */
    start: Float64Array;
    /**
     * Epoch ms, never before start. For a row whose end is unknown (`endUnknown`), where its open-ended
     * marker stops: the latest known time of its run (its own start when nothing is known after it).
     */
    end: Float64Array;
    /** Duration in ms; NaN when the end is unknown (`endUnknown`), so no duration statistic counts it. */
    duration: Float64Array;
    /** 1 for every failed action, handled or not. */
    failed: Uint8Array;
    /**
     * 1 for a handled failure: a failed action inside an error handler (Inside error handling true). It is
     * drawn apart from unhandled failures and, by default, not counted as a failure. Pre-aggregated: every
     * failure of the row was handled (Handled failures >= Failures).
     */
    handled: Uint8Array;
    /** True when a field says which failures were handled (Inside error handling, or Handled failures). */
    handlingKnown: boolean;
    /** 1 when End and Duration are bound but blank for the row: it started, but when it ended is unknown. */
    endUnknown: Uint8Array;
    /**
     * 1 for containers (loops, conditions, subflow calls). Their time includes their children's, so
     * rankings leave them out. Taken from the Is container field when bound (`containerSource` "field"),
     * else guessed: actions still running when the next action of their run starts.
     */
    container: Uint8Array;
    containerSource: "field" | "guess";
    /**
     * Pre-aggregated measures per row (the action_hourly table), null when their role is not bound.
     * `executions` bound means every row is an aggregate of that many actions, not one action.
     */
    executions: Float64Array | null;
    failureCount: Float64Array | null;
    /** Pre-aggregated handled failures per row (part of failureCount); null when not bound. */
    handledCount: Float64Array | null;
    totalMs: Float64Array | null;
    p50: Float64Array | null;
    /** The action's p95 in ms: the timeline emphasises actions above it; pre-aggregated, the row's p95. */
    p95: Float64Array | null;
    /** 1 when highlighted by another visual; null when nothing is highlighted. */
    highlighted: Uint8Array | null;
    /** Per run code: first row in the sorted table and one past its last. */
    runFirst: Int32Array;
    runEnd: Int32Array;
    runStart: Float64Array;
    runFinish: Float64Array;
    issues: ConversionIssues;
}

export interface ConversionIssues {
    /**
     * Rows without an action name or any time information, or with Start bound but blank (unknown) for the
     * row: such rows have no place on a time axis.
     */
    dropped: number;
    duplicates: number;
    /** Negative durations or ends before starts that were clamped to zero. */
    repaired: number;
    /** Rows with a duration but no start (Start not bound), placed after the previous action of their run. */
    placed: number;
    /** Rows with a start but no end or duration (see ActionTable.endUnknown). */
    openEnded: number;
}

export interface RoleIndexes {
    [role: string]: number;
}

export type Missing = "action" | "time";

/** Which data roles are bound, by column index in the table. */
export function roleIndexes(dataView: DataView | undefined): RoleIndexes {
    const out: RoleIndexes = {};
    const columns = dataView?.table?.columns ?? [];
    for (let i = 0; i < columns.length; i++) {
        const roles = columns[i].roles ?? {};
        for (const name of Object.keys(roles)) {
            if (roles[name] && out[name] === undefined && name !== Roles.tooltips) out[name] = i;
        }
    }
    return out;
}

/** The fields a report author still has to add before anything can be drawn. */
export function missingRoles(indexes: RoleIndexes): Missing[] {
    const missing: Missing[] = [];
    if (indexes[Roles.action] === undefined) missing.push("action");
    if (indexes[Roles.start] === undefined && indexes[Roles.durationMs] === undefined) missing.push("time");
    return missing;
}

export function toEpochMs(value: PrimitiveValue | undefined): number {
    if (value === null || value === undefined) return NaN;
    if (value instanceof Date) return value.getTime();
    if (typeof value === "number") return value;
    if (typeof value === "string") {
        const t = Date.parse(value);
        return t;
    }
    return NaN;
}

/**
 * Timestamps before 1970 stand for "unknown" (the contract writes those as null; other sources may send
 * 0001-01-01): one of them would stretch the time axis over two thousand years.
 */
function toTime(value: PrimitiveValue | undefined): number {
    const t = toEpochMs(value);
    return t < 0 ? NaN : t;
}

/** 1 true, 0 false, -1 blank or not a boolean. Accepts booleans, 0/1 and "true"/"false" text. */
function toFlag(value: PrimitiveValue | undefined): number {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "number") return value === 1 ? 1 : value === 0 ? 0 : -1;
    if (typeof value === "string") {
        const v = value.trim().toLowerCase();
        return v === "true" || v === "1" ? 1 : v === "false" || v === "0" ? 0 : -1;
    }
    return -1;
}

/** A boolean column by role: 1, 0 or -1 (blank); null when the role is not bound. */
function flagColumn(rows: powerbi.DataViewTableRow[], column: number | undefined): Int8Array | null {
    if (column === undefined) return null;
    const out = new Int8Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = toFlag(rows[i][column]);
    return out;
}

function toNumber(value: PrimitiveValue | undefined): number {
    if (value === null || value === undefined || value === "") return NaN;
    if (typeof value === "number") return value;
    if (typeof value === "string") return Number(value);
    if (typeof value === "boolean") return NaN;
    if (value instanceof Date) return NaN;
    return NaN;
}

/** A numeric measure column by role, NaN where blank; null when the role is not bound. */
function numberColumn(rows: powerbi.DataViewTableRow[], column: number | undefined): Float64Array | null {
    if (column === undefined) return null;
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = toNumber(rows[i][column]);
    return out;
}

/** True when the rows are pre-aggregated (Executions bound): each row stands for many actions. */
export function isPreAggregated(t: ActionTable): boolean {
    return t.executions !== null;
}

function encodeText(rows: powerbi.DataViewTableRow[], column: number | undefined): TextColumn {
    const codes = new Int32Array(rows.length).fill(-1);
    const values: string[] = [];
    if (column === undefined) return { codes, values };
    const dict = new Map<PrimitiveValue, number>();
    for (let i = 0; i < rows.length; i++) {
        const v = rows[i][column];
        if (v === null || v === undefined || v === "") continue;
        let code = dict.get(v);
        if (code === undefined) {
            code = values.length;
            values.push(v instanceof Date ? v.toISOString() : String(v));
            dict.set(v, code);
        }
        codes[i] = code;
    }
    return { codes, values };
}

const failedStatus = /fail|error|fault|abort/i;

/**
 * Converts a table DataView into an ActionTable. Pure: no host, no DOM.
 * `highlights` (one entry per table row, non-null = highlighted) comes from the host when another
 * visual highlights part of this one.
 */
export function convertActions(dataView: DataView | undefined, highlights?: ArrayLike<PrimitiveValue> | null): ActionTable | null {
    const rows = dataView?.table?.rows;
    const idx = roleIndexes(dataView);
    if (!rows || missingRoles(idx).length > 0) return null;
    const n = rows.length;

    const run = encodeText(rows, idx[Roles.run]);
    const flow = encodeText(rows, idx[Roles.flow]);
    const subflow = encodeText(rows, idx[Roles.subflow]);
    const action = encodeText(rows, idx[Roles.action]);
    const machine = encodeText(rows, idx[Roles.machine]);
    const status = encodeText(rows, idx[Roles.status]);
    const error = encodeText(rows, idx[Roles.error]);
    const module = encodeText(rows, idx[Roles.module]);
    const containerIn = flagColumn(rows, idx[Roles.isContainer]);
    const handlingIn = flagColumn(rows, idx[Roles.insideErrorHandling]);

    const start = new Float64Array(n);
    const end = new Float64Array(n);
    const duration = new Float64Array(n);
    const actionIndex = new Float64Array(n);
    const iStart = idx[Roles.start], iEnd = idx[Roles.end], iDur = idx[Roles.durationMs], iIdx = idx[Roles.actionIndex];
    const issues: ConversionIssues = { dropped: 0, duplicates: 0, repaired: 0, placed: 0, openEnded: 0 };
    const measures = {
        executions: numberColumn(rows, idx[Roles.executions]),
        failureCount: numberColumn(rows, idx[Roles.failures]),
        handledCount: numberColumn(rows, idx[Roles.handledFailures]),
        totalMs: numberColumn(rows, idx[Roles.totalMs]),
        p50: numberColumn(rows, idx[Roles.p50Ms]),
        p95: numberColumn(rows, idx[Roles.p95Ms]),
    };
    // An end can only be unknown when a field could have told it; pre-aggregated rows have no end of their own.
    const endKnowable = (iEnd !== undefined || iDur !== undefined) && measures.executions === null;
    const endUnknown = new Uint8Array(n);
    const keep = new Uint8Array(n);
    let kept = 0;
    for (let i = 0; i < n; i++) {
        const row = rows[i];
        const s = iStart === undefined ? NaN : toTime(row[iStart]);
        const e = iEnd === undefined ? NaN : toTime(row[iEnd]);
        let d = iDur === undefined ? NaN : toNumber(row[iDur]);
        // A pre-aggregated row standing for no execution carries nothing to show.
        const ex = measures.executions ? measures.executions[i] : 1;
        // With Start bound, a row whose start is unknown has no place on the axis: chaining it after the
        // previous action would invent a time.
        if (action.codes[i] < 0 || (iStart !== undefined && Number.isNaN(s)) || (Number.isNaN(s) && Number.isNaN(d)) || !(ex > 0)) {
            issues.dropped++;
            continue;
        }
        if (Number.isNaN(d) && !Number.isNaN(s) && !Number.isNaN(e)) d = e - s;
        if (Number.isNaN(d)) {
            if (endKnowable) {
                endUnknown[i] = 1;
                issues.openEnded++;
            } else d = 0;
        }
        if (d < 0) {
            d = 0;
            issues.repaired++;
        } else if (!Number.isNaN(s) && !Number.isNaN(e) && e < s) {
            issues.repaired++;
        }
        start[i] = s;
        duration[i] = d;
        end[i] = Number.isNaN(s) ? NaN : endUnknown[i] ? s : s + d;
        actionIndex[i] = iIdx === undefined ? NaN : toNumber(row[iIdx]);
        keep[i] = 1;
        kept++;
    }

    // Sort by run, start, action index, then the rest of the identity so that duplicates end up adjacent.
    const order = new Int32Array(kept);
    for (let i = 0, k = 0; i < n; i++) if (keep[i]) order[k++] = i;
    const runCodes = run.codes;
    const cmpNum = (a: number, b: number): number => (a === b || (Number.isNaN(a) && Number.isNaN(b)) ? 0 : Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b);
    const measureColumns = Object.values(measures).filter((col): col is Float64Array => col !== null);
    const flagColumns = [containerIn, handlingIn].filter((col): col is Int8Array => col !== null);
    const compareFlags = (a: number, b: number): number => {
        for (const col of flagColumns) if (col[a] !== col[b]) return col[a] - col[b];
        return 0;
    };
    const compareMeasures = (a: number, b: number): number => {
        for (const col of measureColumns) { const c = cmpNum(col[a], col[b]); if (c) return c; }
        return 0;
    };
    order.sort((a, b) =>
        runCodes[a] - runCodes[b]
        || cmpNum(start[a], start[b])
        || cmpNum(actionIndex[a], actionIndex[b])
        || subflow.codes[a] - subflow.codes[b]
        || action.codes[a] - action.codes[b]
        || cmpNum(duration[a], duration[b])
        || status.codes[a] - status.codes[b]
        || module.codes[a] - module.codes[b]
        || compareFlags(a, b)
        || machine.codes[a] - machine.codes[b]
        || flow.codes[a] - flow.codes[b]
        || compareMeasures(a, b)
        || a - b);

    // Pre-aggregated rows differ by machine, flow or their measures, so those are part of the identity too.
    const same = (a: number, b: number): boolean =>
        runCodes[a] === runCodes[b] && machine.codes[a] === machine.codes[b] && flow.codes[a] === flow.codes[b] && compareMeasures(a, b) === 0
        && cmpNum(start[a], start[b]) === 0 && cmpNum(actionIndex[a], actionIndex[b]) === 0
        && subflow.codes[a] === subflow.codes[b] && action.codes[a] === action.codes[b] && cmpNum(duration[a], duration[b]) === 0
        && status.codes[a] === status.codes[b] && module.codes[a] === module.codes[b] && compareFlags(a, b) === 0 && !Number.isNaN(start[a]);

    const sorted = new Int32Array(kept);
    let m = 0;
    for (let k = 0; k < kept; k++) {
        const r = order[k];
        if (m > 0 && same(sorted[m - 1], r)) {
            issues.duplicates++;
            continue;
        }
        sorted[m++] = r;
    }

    const order2 = sorted.subarray(0, m);
    const out = permute(order2, { run, flow, subflow, action, machine, status, error, module }, { actionIndex, start, end, duration });
    const pick = (col: Float64Array | null): Float64Array | null => (col ? Float64Array.from(order2, (r) => col[r]) : null);
    out.executions = pick(measures.executions);
    out.failureCount = pick(measures.failureCount);
    out.handledCount = pick(measures.handledCount);
    out.totalMs = pick(measures.totalMs);
    out.p50 = pick(measures.p50);
    out.p95 = pick(measures.p95);
    const statusFailed = status.values.map((s) => failedStatus.test(s));
    for (let i = 0; i < m; i++) {
        const r = order2[i];
        const sc = out.status.codes[i];
        out.failed[i] = (sc >= 0 && statusFailed[sc]) || (sc < 0 && out.error.codes[i] >= 0) || (out.failureCount !== null && out.failureCount[i] > 0) ? 1 : 0;
        if (out.failureCount !== null) {
            const hc = out.handledCount?.[i] ?? NaN;
            out.handled[i] = out.failureCount[i] > 0 && hc >= out.failureCount[i] ? 1 : 0;
        } else out.handled[i] = out.failed[i] && handlingIn?.[r] === 1 ? 1 : 0;
        out.endUnknown[i] = endUnknown[r];
        // The pipeline decides containers from the log's structure: when bound, that answer replaces the guess.
        if (containerIn) out.container[i] = containerIn[r] === 1 ? 1 : 0;
    }
    out.containerSource = containerIn ? "field" : "guess";
    out.handlingKnown = out.failureCount !== null ? out.handledCount !== null : handlingIn !== null;
    if (highlights) {
        const h = new Uint8Array(m);
        let any = false;
        for (let i = 0; i < m; i++) {
            const v = highlights[out.sourceRow[i]];
            if (v !== null && v !== undefined) {
                h[i] = 1;
                any = true;
            }
        }
        out.highlighted = any ? h : null;
    }
    computeRuns(out, issues);
    out.issues = issues;
    return out;
}

function permute(
    order: Int32Array,
    text: Record<"run" | "flow" | "subflow" | "action" | "machine" | "status" | "error" | "module", TextColumn>,
    nums: Record<"actionIndex" | "start" | "end" | "duration", Float64Array>,
): ActionTable {
    const m = order.length;
    const t = (c: TextColumn): TextColumn => {
        const codes = new Int32Array(m);
        for (let i = 0; i < m; i++) codes[i] = c.codes[order[i]];
        return { codes, values: c.values };
    };
    const f = (a: Float64Array): Float64Array => {
        const o = new Float64Array(m);
        for (let i = 0; i < m; i++) o[i] = a[order[i]];
        return o;
    };
    return {
        count: m,
        sourceRow: Int32Array.from(order),
        run: t(text.run), flow: t(text.flow), subflow: t(text.subflow), action: t(text.action),
        machine: t(text.machine), status: t(text.status), error: t(text.error), module: t(text.module),
        actionIndex: f(nums.actionIndex), start: f(nums.start), end: f(nums.end), duration: f(nums.duration),
        failed: new Uint8Array(m), handled: new Uint8Array(m), handlingKnown: false, endUnknown: new Uint8Array(m),
        container: new Uint8Array(m), containerSource: "guess", highlighted: null,
        executions: null, failureCount: null, handledCount: null, totalMs: null, p50: null, p95: null,
        runFirst: new Int32Array(0), runEnd: new Int32Array(0), runStart: new Float64Array(0), runFinish: new Float64Array(0),
        issues: { dropped: 0, duplicates: 0, repaired: 0, placed: 0, openEnded: 0 },
    };
}

/**
 * Run extents; rows of a run without a start are chained after the previous action of that run. Without the
 * Is container field, containers are guessed here. Open-ended rows (end unknown) then reach to their run's end.
 */
function computeRuns(t: ActionTable, issues: ConversionIssues): void {
    const guess = t.containerSource === "guess";
    // Rows without a run value form one extra pseudo-run (code = values.length).
    const runCount = t.run.values.length + 1;
    t.runFirst = new Int32Array(runCount).fill(-1);
    t.runEnd = new Int32Array(runCount).fill(-1);
    t.runStart = new Float64Array(runCount).fill(NaN);
    t.runFinish = new Float64Array(runCount).fill(NaN);
    let cursor = 0;
    let prevRun = -2;
    for (let i = 0; i < t.count; i++) {
        const r = t.run.codes[i] < 0 ? runCount - 1 : t.run.codes[i];
        if (r !== prevRun) {
            t.runFirst[r] = i;
            prevRun = r;
            cursor = Number.isNaN(t.start[i]) ? 0 : t.start[i];
        }
        if (Number.isNaN(t.start[i])) {
            t.start[i] = cursor;
            t.end[i] = cursor + t.duration[i];
            issues.placed++;
        }
        cursor = Math.max(cursor, t.end[i]);
        // Sorted by start, so a container is followed by its first child before it ends. An action whose
        // end is unknown cannot be told apart from a container this way: it is not guessed to be one.
        if (guess && i > 0 && r === prevRun && t.run.codes[i - 1] === t.run.codes[i] && !t.endUnknown[i - 1] && t.start[i] < t.end[i - 1] && t.start[i] >= t.start[i - 1]) t.container[i - 1] = 1;
        t.runEnd[r] = i + 1;
        if (!(t.runStart[r] <= t.start[i])) t.runStart[r] = t.start[i];
        if (!(t.runFinish[r] >= t.end[i])) t.runFinish[r] = t.end[i];
    }
    for (let i = 0; i < t.count; i++) {
        if (!t.endUnknown[i]) continue;
        const r = t.run.codes[i] < 0 ? runCount - 1 : t.run.codes[i];
        t.end[i] = Math.max(t.start[i], t.runFinish[r]);
    }
}

/** Run codes that have rows, in table order (the pseudo-run for rows without a run last). */
export function runsInTable(t: ActionTable): number[] {
    const out: number[] = [];
    for (let r = 0; r < t.runFirst.length; r++) if (t.runFirst[r] >= 0) out.push(r);
    return out;
}

export function runLabel(t: ActionTable, runCode: number): string {
    return runCode < t.run.values.length ? t.run.values[runCode] : "";
}

export function text(c: TextColumn, row: number): string {
    const code = c.codes[row];
    return code < 0 ? "" : c.values[code];
}
