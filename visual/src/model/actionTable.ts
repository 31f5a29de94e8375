import powerbi from "powerbi-visuals-api";
import { Roles } from "./roles";

import DataView = powerbi.DataView;
import DataViewTableRow = powerbi.DataViewTableRow;
import PrimitiveValue = powerbi.PrimitiveValue;

/**
 * Dictionary-encoded text column: `codes[row]` indexes `values`, -1 means missing. Codes take 16 bits while
 * the dictionary is small (runs, flows, actions, statuses nearly always are) and widen to 32 when it is not:
 * at a million rows that is 16 MB less per text column.
 */
export interface TextColumn {
    codes: Int16Array | Int32Array;
    values: string[];
}

/**
 * Column-oriented action rows. A row id is the row's index in the DataView's table: it never changes while
 * later segments (fetchMoreData) are appended, so selection, focus and collapsed groups are kept by it, and
 * it is what a selection id is built from. Dropped rows and duplicates keep their slot but are not in
 * `order`. Typed arrays keep one million rows to a few tens of MB with no per-row objects.
 */
export interface ActionTable {
    /** DataView rows converted so far: every column is indexed by row id below `size`. */
    size: number;
    /** Kept rows (neither dropped nor duplicates) by run, start, line and the rest of their identity. */
    order: Int32Array;
    /** Length of `order`. */
    count: number;
    /**
     * 1 for a row id in `order` (kept), 0 for a dropped row or a duplicate. A byte, not the row's position in
     * `order`: nothing needs that position, and four bytes a row add up at a million rows.
     */
    inOrder: Uint8Array;
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
    /** Per run code: first position in `order` and one past its last (-1 when the run has no kept row). */
    runFirst: Int32Array;
    runEnd: Int32Array;
    runStart: Float64Array;
    runFinish: Float64Array;
    /** Counts over the kept rows, by status (see KeptCounts). */
    counts: KeptCounts;
    /**
     * Positions in `order` of the unhandled failures (failed and not handled), ascending: navigation and the
     * scrollbar's marks visit these instead of every row.
     */
    unhandledAt: Int32Array;
    issues: ConversionIssues;
}

/** Kept rows counted while the run extents are computed (the same pass over the order). */
export interface KeptCounts {
    /** Unhandled failures. */
    failed: number;
    /** Handled failures (failed inside an error handler). */
    handled: number;
    /** Rows that did not fail, by status code: index 0 for rows without a status, code c at c + 1. */
    byStatus: Int32Array;
}

export interface ConversionIssues {
    /** Rows left out: the sum of the three reasons below. */
    dropped: number;
    /** Rows without an action name. */
    droppedNoAction: number;
    /**
     * Rows that cannot be placed on a time axis: Start bound but blank or implausible for the row, or neither
     * a start nor a duration.
     */
    droppedNoStart: number;
    /** Pre-aggregated rows standing for no execution. */
    droppedNoExecutions: number;
    /**
     * Times outside 1970-2200 or not finite (an integer column in ticks, 9999-12-31 or 1899-12-30 sentinels),
     * and durations over a year: taken as unknown for their row (the row is dropped when it was its start).
     */
    badTime: number;
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
    if (typeof value === "string") return Date.parse(value);
    return NaN;
}

/**
 * 2200-01-01T00:00:00Z. Plausible timestamps only (convertTimes): before 1970 (0001-01-01, Excel's
 * 1899-12-30), after 2200 (9999-12-31, ticks or nanoseconds read as ms) or not finite mean "unknown". One of
 * them would otherwise stretch the axis over centuries or fail every date computation.
 */
export const LATEST_TIME = 7_258_118_400_000;

/**
 * No desktop-flow action lasts a year (a cloud flow, and so its desktop run, stops after 30 days): a longer
 * duration comes from a sentinel end and would squash every other action of its run into one pixel.
 */
const LONGEST_DURATION = 366 * 86_400_000;

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

function toNumber(value: PrimitiveValue | undefined): number {
    if (value === null || value === undefined || value === "") return NaN;
    if (typeof value === "number") return value;
    if (typeof value === "string") return Number(value);
    return NaN;
}

/** True when the rows are pre-aggregated (Executions bound): each row stands for many actions. */
export function isPreAggregated(t: ActionTable): boolean {
    return t.executions !== null;
}

const failedStatus = /fail|error|fault|abort/i;
const DAY = 86_400_000;

type Column = Int16Array | Int32Array | Float64Array | Uint8Array | Int8Array;

/** `ArrayBuffer.prototype.transfer` (ES2024): not in the ES2022 library the visual is built with. */
interface TransferableBuffer {
    transfer?: (newByteLength: number) => ArrayBuffer;
}

/**
 * Grows a typed array to `capacity`, keeping its first `used` entries. Where the browser has
 * `ArrayBuffer.prototype.transfer`, the old buffer is handed over and detached, so its memory is released at
 * once instead of lingering until a garbage collection: growing a million-row table would otherwise keep the
 * old and the new columns (2.5 times the table) alive together for a while. The old array must not be used
 * afterwards (it is empty once detached).
 */
export function grow<T extends Column>(a: T, capacity: number, used: number, fill?: number): T {
    if (a.length >= capacity) return a;
    const make = a.constructor as { new (n: number): T; new (buffer: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };
    const buffer = a.buffer as ArrayBuffer & TransferableBuffer;
    let b: T;
    if (typeof buffer.transfer === "function" && a.byteOffset === 0 && a.byteLength === buffer.byteLength) {
        b = new make(buffer.transfer(capacity * make.BYTES_PER_ELEMENT));
    } else {
        b = new make(capacity);
        b.set(a.subarray(0, used));
    }
    if (fill !== undefined) b.fill(fill, used);
    return b;
}

/** A DataView value as a text column's dictionary holds it. */
const entryText = (v: PrimitiveValue): string => (v instanceof Date ? v.toISOString() : String(v));

/**
 * Dictionary-encodes `rows[from..to)[col]` into `codes` (-1 for missing); returns the codes, widened to 32 bits
 * when the dictionary outgrows 16. A function of its own with nothing after its loop: V8 compiles such a loop
 * while it runs (on-stack replacement), and code after the loop that had not run by then has no type
 * feedback, so reaching it throws the compiled loop away (a deoptimization); the three eager columns then
 * share one compiled loop instead of compiling it again per column.
 */
function encodeRange(rows: DataViewTableRow[], col: number, from: number, to: number, codes: Int16Array | Int32Array, dict: Map<PrimitiveValue, number>, values: string[]): Int16Array | Int32Array {
    // Neighbouring rows mostly repeat a value (run, flow, machine, status): skip the dictionary for them.
    let last: PrimitiveValue | undefined = undefined, lastCode = -1;
    for (let i = from; i < to; i++) {
        const v = rows[i][col];
        if (v === last && lastCode >= 0) { codes[i] = lastCode; continue; }
        if (v === null || v === undefined || v === "") { codes[i] = -1; continue; }
        let code = dict.get(v);
        if (code === undefined) {
            code = values.length;
            if (code === 32_767 && codes instanceof Int16Array) codes = Int32Array.from(codes);
            values.push(entryText(v));
            dict.set(v, code);
        }
        codes[i] = code;
        last = v;
        lastCode = code;
    }
    return codes;
}

/** A text column being filled: codes by row id and the dictionary from DataView value to code. */
class TextBuilder {
    codes: Int16Array | Int32Array = new Int16Array(0);
    readonly values: string[] = [];
    private readonly dict = new Map<PrimitiveValue, number>();
    /**
     * A lazy column is encoded on first use of its codes or values, not as rows arrive: `rows` holds the
     * latest rows given (every update holds all rows so far), `encoded` the rows encoded, `given` the rows
     * handed to `fill`.
     */
    private rows: DataViewTableRow[] | null = null;
    private encoded = 0;
    private given = 0;
    constructor(readonly column: number | undefined, private readonly lazy: boolean) {}

    grow(capacity: number, used: number): void {
        this.codes = grow(this.codes, capacity, used, -1);
    }

    fill(rows: DataViewTableRow[], from: number, to: number): void {
        if (this.column === undefined) { this.codes.fill(-1, from, to); this.encoded = this.given = to; return; }
        this.given = to;
        if (this.lazy) { this.rows = rows; return; }
        this.encode(rows, from, to);
    }

    /** Encodes the rows `fill` was given and left for later. */
    ensure(): void {
        const rows = this.rows;
        if (rows === null || this.encoded >= this.given) return;
        this.encode(rows, this.encoded, this.given);
        this.rows = null;
    }

    /**
     * A row's text, from the dictionary once the row is encoded, else from its DataView value as encoding
     * would turn it into a dictionary entry: a few rows read without encoding the column.
     */
    textAt(row: number): string {
        if (row < this.encoded) return codeText(this, row);
        const v = this.column === undefined || this.rows === null ? undefined : this.rows[row][this.column];
        return v === null || v === undefined || v === "" ? "" : entryText(v);
    }

    private encode(rows: DataViewTableRow[], from: number, to: number): void {
        this.codes = encodeRange(rows, this.column as number, from, to, this.codes, this.dict, this.values);
        this.encoded = to;
    }

    view(size: number): TextColumn {
        return this.lazy ? new LazyTextColumn(this, size) : { codes: this.codes.subarray(0, size), values: this.values };
    }
}

/**
 * A column the first paint does not need whole (action names, flow, machine, error, module): encoded when
 * its codes or values are first read (sorting ties, the heatmap, a test), while `text` reads single rows
 * (labels of the lanes in view, a tooltip) from the DataView until then.
 */
class LazyTextColumn implements TextColumn {
    private resolved: TextColumn | null = null;
    constructor(private readonly builder: TextBuilder, private readonly size: number) {}

    private resolve(): TextColumn {
        if (!this.resolved) {
            // Encoding may widen the codes to 32 bits: the view is taken after it.
            this.builder.ensure();
            this.resolved = { codes: this.builder.codes.subarray(0, this.size), values: this.builder.values };
        }
        return this.resolved;
    }

    get codes(): Int16Array | Int32Array { return this.resolve().codes; }
    get values(): string[] { return this.resolve().values; }

    text(row: number): string {
        return this.resolved ? codeText(this.resolved, row) : this.builder.textAt(row);
    }
}

function codeText(c: TextColumn, row: number): string {
    const code = c.codes[row];
    return code < 0 ? "" : c.values[code];
}

/**
 * Local time of a timestamp without a Date per row: the time zone offset is looked up once per UTC hour
 * (offsets change on the hour in every zone that matters), so a million rows cost a few hundred lookups.
 * Only the heatmap's columns need it: the table keeps no per-row local day and hour (5 bytes a row, and
 * time the timeline's first paint would spend for nothing).
 */
export class LocalClock {
    private readonly offsets = new Map<number, number>();
    /** Local ms since 1970-01-01 00:00 local. */
    local(t: number): number {
        const hour = Math.floor(t / 3_600_000);
        let off = this.offsets.get(hour);
        if (off === undefined) {
            off = -new Date(hour * 3_600_000).getTimezoneOffset() * 60_000;
            this.offsets.set(hour, off);
        }
        return t + off;
    }

    /** Local calendar day (days since 1970-01-01 in the viewer's time zone) of a timestamp. */
    day(t: number): number {
        return Math.floor(this.local(t) / DAY);
    }

    /** Local hour (0-23) of a timestamp. */
    hour(t: number): number {
        const local = this.local(t);
        return Math.floor((local - Math.floor(local / DAY) * DAY) / 3_600_000);
    }
}

const TEXT_ROLES = ["run", "flow", "subflow", "action", "machine", "status", "error", "module"] as const;
type TextRole = (typeof TEXT_ROLES)[number];
/**
 * Columns every first paint reads whole: runs, lanes (subflows) and bar colours (status). The others are
 * encoded when first needed (see LazyTextColumn): a timeline reads them for the lanes in view only.
 */
const EAGER_TEXT: ReadonlySet<TextRole> = new Set<TextRole>(["run", "subflow", "status"]);
/**
 * The order the columns are filled in: the eager ones first, the one whose value changes most often (the
 * subflow) first of all. V8 gives a function type feedback only after its first few iterations: a column that
 * never changes value would leave the dictionary lookup of encodeRange's compiled loop without feedback, and
 * the next column's first new value would throw that code away.
 */
const FILL_ORDER: readonly TextRole[] = ["subflow", "status", "run", "flow", "action", "machine", "error", "module"];
const MEASURE_ROLES = ["executions", "failureCount", "handledCount", "totalMs", "p50", "p95"] as const;
type MeasureRole = (typeof MEASURE_ROLES)[number];
const MEASURE_ROLE_NAMES: Record<MeasureRole, string> = {
    executions: Roles.executions, failureCount: Roles.failures, handledCount: Roles.handledFailures,
    totalMs: Roles.totalMs, p50: Roles.p50Ms, p95: Roles.p95Ms,
};

/** What an append changed, for consumers that aggregate incrementally (the heatmap). */
export interface AppendResult {
    /** Row ids kept by this append (new rows that are neither dropped nor duplicates). */
    added: Int32Array;
    /** Earlier rows whose container guess flipped because a new row now follows them. */
    containerChanged: Int32Array;
}

/** Full-capacity buffers behind the table's columns (the table holds views of their first `size` rows). */
interface Buffers {
    actionIndex: Float64Array; start: Float64Array; duration: Float64Array; inOrder: Uint8Array;
    failed: Uint8Array; handled: Uint8Array; endUnknown: Uint8Array; container: Uint8Array;
}

/**
 * Converts a table DataView into an ActionTable, and appends later segments of the same table to it without
 * converting earlier rows again. Pure: no host, no DOM.
 */
export class ActionTableBuilder {
    readonly table: ActionTable;
    /** The columns' query names and roles: a segment of another table cannot be appended. */
    readonly signature: string;
    private readonly idx: RoleIndexes;
    private readonly text: Record<TextRole, TextBuilder>;
    private readonly measures: Record<MeasureRole, Float64Array | null>;
    private containerIn: Int8Array | null;
    private handlingIn: Int8Array | null;
    private capacity = 0;
    private buf: Buffers;
    private readonly statusFailed: boolean[] = [];
    /** Whether the rows the last convertTimes kept were already in order. */
    private keptSorted = true;
    /** Whether each of them came after the one before it by run and start alone: none can duplicate another. */
    private keptStrict = true;
    /** Backing buffer of `table.order`, with room for the rows converted so far. */
    private orderBuf: Int32Array = new Int32Array(0);

    private constructor(dataView: DataView, idx: RoleIndexes) {
        this.idx = idx;
        this.signature = tableSignature(dataView);
        this.text = {} as Record<TextRole, TextBuilder>;
        for (const r of TEXT_ROLES) this.text[r] = new TextBuilder(idx[Roles[r]], !EAGER_TEXT.has(r));
        this.measures = {} as Record<MeasureRole, Float64Array | null>;
        for (const m of MEASURE_ROLES) this.measures[m] = idx[MEASURE_ROLE_NAMES[m]] === undefined ? null : new Float64Array(0);
        this.containerIn = idx[Roles.isContainer] === undefined ? null : new Int8Array(0);
        this.handlingIn = idx[Roles.insideErrorHandling] === undefined ? null : new Int8Array(0);
        this.buf = {
            actionIndex: new Float64Array(0), start: new Float64Array(0), duration: new Float64Array(0), inOrder: new Uint8Array(0),
            failed: new Uint8Array(0), handled: new Uint8Array(0), endUnknown: new Uint8Array(0), container: new Uint8Array(0),
        };
        this.table = {
            size: 0, order: new Int32Array(0), count: 0, ...this.buf,
            run: this.text.run.view(0), flow: this.text.flow.view(0), subflow: this.text.subflow.view(0), action: this.text.action.view(0),
            machine: this.text.machine.view(0), status: this.text.status.view(0), error: this.text.error.view(0), module: this.text.module.view(0),
            handlingKnown: this.measures.failureCount !== null ? this.measures.handledCount !== null : this.handlingIn !== null,
            containerSource: this.containerIn ? "field" : "guess",
            executions: null, failureCount: null, handledCount: null, totalMs: null, p50: null, p95: null,
            runFirst: new Int32Array(0), runEnd: new Int32Array(0), runStart: new Float64Array(0), runFinish: new Float64Array(0),
            counts: { failed: 0, handled: 0, byStatus: new Int32Array(1) }, unhandledAt: new Int32Array(0),
            issues: { dropped: 0, droppedNoAction: 0, droppedNoStart: 0, droppedNoExecutions: 0, badTime: 0, duplicates: 0, repaired: 0, placed: 0, openEnded: 0 },
        };
    }

    /** A builder holding the DataView's rows, or null while Action or a time field is missing. */
    static from(dataView: DataView | undefined): ActionTableBuilder | null {
        const rows = dataView?.table?.rows;
        const idx = roleIndexes(dataView);
        if (!dataView || !rows || missingRoles(idx).length > 0) return null;
        const b = new ActionTableBuilder(dataView, idx);
        b.append(dataView);
        return b;
    }

    /**
     * Whether `dataView` can continue this builder's table: the same columns and at least as many rows. The
     * caller knows from the host (operationKind, segment metadata) that earlier rows were not replaced.
     */
    canAppend(dataView: DataView | undefined): boolean {
        const rows = dataView?.table?.rows;
        // Without Start, rows are chained after the previous action of their run: a late row would move
        // every later row of its run, so such tables are converted whole.
        return !!rows && rows.length >= this.table.size && this.idx[Roles.start] !== undefined && tableSignature(dataView) === this.signature;
    }

    /** Converts rows [size, rows.length) and merges them into the order. */
    append(dataView: DataView): AppendResult {
        const rows = dataView.table?.rows ?? [];
        const t = this.table;
        const from = t.size, to = rows.length;
        if (to <= from) return { added: new Int32Array(0), containerChanged: new Int32Array(0) };
        this.ensureCapacity(to);
        const tb = this.text;
        for (const r of FILL_ORDER) tb[r].fill(rows, from, to);
        this.publish(to);
        for (const m of MEASURE_ROLES) {
            const col = this.measures[m], ci = this.idx[MEASURE_ROLE_NAMES[m]];
            if (col && ci !== undefined) for (let i = from; i < to; i++) col[i] = toNumber(rows[i][ci]);
        }
        for (let s = this.statusFailed.length; s < tb.status.values.length; s++) this.statusFailed.push(failedStatus.test(tb.status.values[s]));
        const kept = this.convertTimes(rows, from, to);
        // Power BI sends rows grouped by run and mostly in time order: sort only when they are not.
        // Identity-equal rows compare 0: the row id breaks the tie so the earlier row is the one kept.
        // (convertTimes checked whether they are, as it kept them.)
        if (!this.keptSorted) kept.sort((a, b) => this.compare(a, b) || a - b);
        const result = this.merge(kept);
        this.computeRuns();
        return result;
    }

    private ensureCapacity(n: number): void {
        if (n <= this.capacity) return;
        // Grow by half at least: a million rows arrive in 34 segments. Each growth copies every column and
        // leaves the old buffers to the GC; doubling would keep up to twice the memory for good.
        const cap = Math.max(n, Math.ceil(this.capacity * 1.5));
        const used = this.table.size;
        for (const r of TEXT_ROLES) this.text[r].grow(cap, used);
        for (const m of MEASURE_ROLES) { const c = this.measures[m]; if (c) this.measures[m] = grow(c, cap, used); }
        if (this.containerIn) this.containerIn = grow(this.containerIn, cap, used);
        if (this.handlingIn) this.handlingIn = grow(this.handlingIn, cap, used);
        this.orderBuf = grow(this.orderBuf, cap, this.table.count);
        this.table.order = this.orderBuf.subarray(0, this.table.count);
        const b = this.buf;
        this.buf = {
            actionIndex: grow(b.actionIndex, cap, used), start: grow(b.start, cap, used), duration: grow(b.duration, cap, used),
            inOrder: grow(b.inOrder, cap, used),
            failed: grow(b.failed, cap, used), handled: grow(b.handled, cap, used), endUnknown: grow(b.endUnknown, cap, used), container: grow(b.container, cap, used),
        };
        this.capacity = cap;
    }

    /** Exposes the first `size` rows of every column (views, no copies). */
    private publish(size: number): void {
        const t = this.table, b = this.buf;
        t.size = size;
        for (const r of TEXT_ROLES) t[r] = this.text[r].view(size);
        t.actionIndex = b.actionIndex.subarray(0, size); t.start = b.start.subarray(0, size);
        t.duration = b.duration.subarray(0, size);
        t.inOrder = b.inOrder.subarray(0, size); t.failed = b.failed.subarray(0, size); t.handled = b.handled.subarray(0, size);
        t.endUnknown = b.endUnknown.subarray(0, size); t.container = b.container.subarray(0, size);
        for (const m of MEASURE_ROLES) { const c = this.measures[m]; t[m] = c ? c.subarray(0, size) : null; }
    }

    /** Times, durations and failure flags of rows [from, to); returns the rows that are kept. */
    private convertTimes(rows: DataViewTableRow[], from: number, to: number): Int32Array {
        const t = this.table, idx = this.idx, issues = t.issues;
        const iStart = idx[Roles.start], iEnd = idx[Roles.end], iDur = idx[Roles.durationMs], iIdx = idx[Roles.actionIndex];
        const ex = this.measures.executions;
        // An end can only be unknown when a field could have told it; pre-aggregated rows have no end of their own.
        const endKnowable = (iEnd !== undefined || iDur !== undefined) && ex === null;
        const kept = new Int32Array(to - from);
        // Columns in locals: this loop runs once per row on the first paint, mostly before the JIT has
        // optimised it, where every property read of `t` and every typed-array access costs.
        const inOrder = t.inOrder, container = t.container, endUnknown = t.endUnknown, start = t.start, duration = t.duration;
        const actionIndex = t.actionIndex, failed = t.failed, handled = t.handled;
        const statusCodes = t.status.codes, statusFailed = this.statusFailed;
        const containerIn = this.containerIn, handlingIn = this.handlingIn, failureCount = t.failureCount, handledCount = t.handledCount;
        const iContainer = idx[Roles.isContainer], iHandling = idx[Roles.insideErrorHandling];
        const iAction = idx[Roles.action] as number, iError = idx[Roles.error];
        const runCodes = t.run.codes;
        // The flags are zero but for the rows they are set for, so the loop writes only those: a natively
        // filled range costs next to nothing, a store per row and column does on a cold page.
        inOrder.fill(1, from, to);
        container.fill(0, from, to); endUnknown.fill(0, from, to); failed.fill(0, from, to); handled.fill(0, from, to);
        let k = 0, sorted = true, strict = true, prevRun = 0, prevStart = NaN;
        // One pass over the rows for every per-row field but the text codes (filled before, per column): each
        // pass of its own would start again in the interpreter on a cold page. For the same reason unknown
        // numbers (NaN) are tested as `x !== x` and booleans inline: in the interpreter each Number.isNaN or
        // helper call costs about as much as the rest of a row.
        for (let i = from; i < to; i++) {
            const row = rows[i];
            let handling = 0;
            if (containerIn) {
                const v = row[iContainer], c = v === true ? 1 : v === false ? 0 : toFlag(v);
                containerIn[i] = c;
                if (c === 1) container[i] = 1;
            }
            if (handlingIn) { const v = row[iHandling]; handlingIn[i] = handling = v === true ? 1 : v === false ? 0 : toFlag(v); }
            // Power BI hands date-time columns as Date objects: read them without a call.
            const vs = iStart === undefined ? undefined : row[iStart], ve = iEnd === undefined ? undefined : row[iEnd], vd = iDur === undefined ? undefined : row[iDur];
            let s = vs instanceof Date ? vs.getTime() : toEpochMs(vs);
            let e = ve instanceof Date ? ve.getTime() : toEpochMs(ve);
            let d = typeof vd === "number" ? vd : toNumber(vd);
            // Plausible times and durations only (LATEST_TIME, LONGEST_DURATION); a NaN is unknown already, not bad.
            let bad = false;
            if (!(s >= 0 && s <= LATEST_TIME) && s === s) { s = NaN; bad = true; }
            if (!(e >= 0 && e <= LATEST_TIME) && e === e) { e = NaN; bad = true; }
            if (!(d >= -LONGEST_DURATION && d <= LONGEST_DURATION) && d === d) { d = NaN; bad = true; }
            if (bad) issues.badTime++;
            // A pre-aggregated row standing for no execution carries nothing to show.
            const executions = ex ? ex[i] : 1;
            // Without an action name (as the action column's encoding reads a value: see TextBuilder).
            const va = row[iAction];
            if (va === null || va === undefined || va === "") { inOrder[i] = 0; issues.dropped++; issues.droppedNoAction++; continue; }
            // With Start bound, a row whose start is unknown has no place on the axis: chaining it after the
            // previous action would invent a time.
            if ((iStart !== undefined && s !== s) || (s !== s && d !== d) || !(executions > 0)) {
                inOrder[i] = 0;
                issues.dropped++;
                if (executions > 0) issues.droppedNoStart++;
                else issues.droppedNoExecutions++;
                continue;
            }
            if (d !== d && s === s && e === e) d = e - s;
            if (d !== d) {
                if (endKnowable) {
                    endUnknown[i] = 1;
                    issues.openEnded++;
                } else d = 0;
            }
            // (A comparison with NaN is false: an unknown start or end is never "before".)
            if (d < 0) {
                d = 0;
                issues.repaired++;
            } else if (e < s) {
                issues.repaired++;
            }
            start[i] = s;
            duration[i] = d;
            const vi = iIdx === undefined ? NaN : row[iIdx];
            actionIndex[i] = typeof vi === "number" ? vi : toNumber(vi);
            const sc = statusCodes[i];
            // Without a status, an error message says the action failed.
            const f = (sc >= 0 && statusFailed[sc]) || (sc < 0 && iError !== undefined && row[iError] !== null && row[iError] !== undefined && row[iError] !== "")
                || (failureCount !== null && failureCount[i] > 0);
            if (f) failed[i] = 1;
            if (failureCount !== null) {
                const hc = handledCount?.[i] ?? NaN;
                if (failureCount[i] > 0 && hc >= failureCount[i]) handled[i] = 1;
            } else if (f && handling === 1) handled[i] = 1;
            // Whether the kept rows are in order so far: run and start decide nearly every pair, the whole
            // comparison only ties (and unknown starts).
            const run = runCodes[i];
            if (sorted && k > 0) {
                const dr = prevRun - run;
                if (!(dr < 0 || (dr === 0 && prevStart < s))) {
                    strict = false;
                    sorted = !(dr > 0 || prevStart > s || this.compare(kept[k - 1], i) > 0);
                }
            }
            prevRun = run;
            prevStart = s;
            kept[k++] = i;
        }
        this.keptSorted = sorted;
        this.keptStrict = sorted && strict;
        return kept.subarray(0, k);
    }

    /**
     * Order of rows: run, start, action index, then the rest of the identity so that duplicates end up
     * adjacent. Unknown values (NaN) last.
     */
    private readonly compare = (a: number, b: number): number => {
        const t = this.table;
        return t.run.codes[a] - t.run.codes[b]
            || cmpNum(t.start[a], t.start[b])
            || cmpNum(t.actionIndex[a], t.actionIndex[b])
            || t.subflow.codes[a] - t.subflow.codes[b]
            || t.action.codes[a] - t.action.codes[b]
            || cmpNum(t.duration[a], t.duration[b])
            || t.status.codes[a] - t.status.codes[b]
            || t.module.codes[a] - t.module.codes[b]
            || this.compareFlags(a, b)
            || t.machine.codes[a] - t.machine.codes[b]
            || t.flow.codes[a] - t.flow.codes[b]
            || this.compareMeasures(a, b);
    };

    private compareFlags(a: number, b: number): number {
        const c = this.containerIn, h = this.handlingIn;
        if (c && c[a] !== c[b]) return c[a] - c[b];
        if (h && h[a] !== h[b]) return h[a] - h[b];
        return 0;
    }

    private compareMeasures(a: number, b: number): number {
        for (const m of MEASURE_ROLES) {
            const col = this.measures[m];
            if (col) { const c = cmpNum(col[a], col[b]); if (c) return c; }
        }
        return 0;
    }

    /**
     * Merges the sorted new rows into the order, dropping duplicates (rows equal in every field to one kept
     * before them; the DataView's earlier row is the one kept). Earlier rows never move in memory: only
     * where they sit in the order changes.
     */
    private merge(incoming: Int32Array): AppendResult {
        const t = this.table;
        const old = t.order;
        const n = old.length + incoming.length;
        if (old.length === 0 && this.keptStrict) {
            // The first rows, each after the one before it by run and start: they are the order as they are,
            // and none can duplicate another (a first paint, no pass over them).
            const out = this.orderBuf.length >= n ? this.orderBuf : new Int32Array(Math.max(n, this.capacity));
            out.set(incoming);
            this.orderBuf = out;
            t.order = out.subarray(0, n);
            t.count = n;
            return { added: incoming, containerChanged: this.guessContainers(null) };
        }
        const added = new Int32Array(incoming.length);
        const newPositions = new Int32Array(incoming.length);
        let nAdded = 0;
        // Fast path, the usual segment: the new rows all sort after the old ones (later runs). They are written
        // after the old ones in place: no copy of the order, no second buffer.
        const after = old.length === 0 || incoming.length === 0 || this.compare(old[old.length - 1], incoming[0]) < 0;
        const out = after && this.orderBuf.length >= n ? this.orderBuf : new Int32Array(Math.max(n, this.capacity));
        let a = 0, b = 0, m = 0, lastNew = false;
        if (after) {
            if (out !== this.orderBuf) out.set(old);
            m = a = old.length;
            // Only new rows follow: each can only duplicate the row just before it (a tight loop for a cold page).
            const start = t.start, runCodes = t.run.codes;
            for (; b < incoming.length; b++) {
                const next = incoming[b], prev = m > 0 ? out[m - 1] : -1;
                if (prev >= 0 && start[prev] === start[next] && runCodes[prev] === runCodes[next] && this.compare(prev, next) === 0) {
                    t.issues.duplicates++;
                    t.inOrder[next] = 0;
                    continue;
                }
                newPositions[nAdded] = m;
                added[nAdded++] = next;
                out[m++] = next;
            }
        }
        while (a < old.length || b < incoming.length) {
            const takeOld = b >= incoming.length || (a < old.length && this.compare(old[a], incoming[b]) <= 0);
            const next = takeOld ? old[a++] : incoming[b++];
            // Rows of the old order are already unique: only a new row can duplicate, or be duplicated by, its neighbour.
            const prev = m > 0 ? out[m - 1] : -1;
            if (prev >= 0 && (!takeOld || lastNew) && t.start[prev] === t.start[next] && t.run.codes[prev] === t.run.codes[next] && this.compare(prev, next) === 0) {
                t.issues.duplicates++;
                t.inOrder[next] = 0;
                continue;
            }
            if (!takeOld) { newPositions[nAdded] = m; added[nAdded++] = next; }
            lastNew = !takeOld;
            out[m++] = next;
        }
        this.orderBuf = out;
        t.order = out.subarray(0, m);
        t.count = m;
        return { added: nAdded === added.length ? added : added.slice(0, nAdded), containerChanged: this.guessContainers(newPositions.subarray(0, nAdded)) };
    }

    /**
     * Without the Is container field: an action is a container when the next action of its run starts before
     * it ends. Only the new rows (null: every row of the order) and the rows just before them can change;
     * returns earlier rows that flipped.
     */
    private guessContainers(newPositions: Int32Array | null): Int32Array {
        const t = this.table;
        if (this.containerIn) return new Int32Array(0);
        if (newPositions === null) {
            guessAllContainers(t);
            return new Int32Array(0);
        }
        const isNew = new Set<number>();
        for (const k of newPositions) isNew.add(t.order[k]);
        const changed = new Set<number>();
        const check = (k: number): void => {
            if (k < 0 || k >= t.count) return;
            const i = t.order[k], j = k + 1 < t.count ? t.order[k + 1] : -1;
            const now = guessedContainer(t, i, j);
            if (t.container[i] !== now) {
                t.container[i] = now;
                if (!isNew.has(i)) changed.add(i);
            }
        };
        for (const k of newPositions) { check(k - 1); check(k); }
        return Int32Array.from(changed);
    }

    /**
     * Run extents (positions and times), and the kept rows' counts and unhandled failures (see ActionTable):
     * one pass over the order for all of them, which a first paint runs mostly in V8's interpreter, where
     * every pass of its own costs again. Open-ended rows then reach to their run's end.
     */
    private computeRuns(): void {
        const t = this.table;
        // Rows without a run value form one extra pseudo-run (code = values.length).
        const runCount = t.run.values.length + 1;
        if (t.runFirst.length !== runCount) {
            t.runFirst = new Int32Array(runCount);
            t.runEnd = new Int32Array(runCount);
            t.runStart = new Float64Array(runCount);
            t.runFinish = new Float64Array(runCount);
        }
        t.runFirst.fill(-1); t.runEnd.fill(-1); t.runStart.fill(NaN); t.runFinish.fill(NaN);
        // Without Start (never appended to, see canAppend), rows of a run are chained one after another.
        const placing = this.idx[Roles.start] === undefined;
        const order = t.order, runCodes = t.run.codes, start = t.start, duration = t.duration, endUnknown = t.endUnknown;
        const failed = t.failed, handled = t.handled, statusCodes = t.status.codes;
        const byStatus = new Int32Array(t.status.values.length + 1);
        const unhandledAt: number[] = [];
        let nHandled = 0;
        const runFirst = t.runFirst, runEnd = t.runEnd, runStart = t.runStart, runFinish = t.runFinish;
        // A run's rows are contiguous in the order: its extent is kept in locals and stored when the run ends.
        const n = t.count;
        let cursor = 0, prevRun = -1, rs = NaN, rf = NaN;
        for (let k = 0; k < n; k++) {
            const i = order[k];
            if (failed[i]) { if (handled[i]) nHandled++; else unhandledAt.push(k); } else byStatus[statusCodes[i] + 1]++;
            const code = runCodes[i];
            const r = code < 0 ? runCount - 1 : code;
            if (r !== prevRun) {
                if (prevRun >= 0) { runEnd[prevRun] = k; runStart[prevRun] = rs; runFinish[prevRun] = rf; }
                runFirst[r] = k;
                prevRun = r;
                cursor = 0;
                rs = runStart[r];
                rf = runFinish[r];
            }
            let s = start[i];
            if (placing) {
                start[i] = s = cursor;
                t.issues.placed++;
            }
            // A row whose end is unknown tells only that its run went on until its start.
            const end = endUnknown[i] ? s : s + duration[i];
            if (placing) cursor = Math.max(cursor, end);
            if (!(rs <= s)) rs = s;
            if (!(rf >= end)) rf = end;
        }
        if (prevRun >= 0) { runEnd[prevRun] = n; runStart[prevRun] = rs; runFinish[prevRun] = rf; }
        t.counts = { failed: unhandledAt.length, handled: nHandled, byStatus };
        t.unhandledAt = Int32Array.from(unhandledAt);
    }
}

/**
 * Whether row `i` is a container, `j` the row after it in the order (-1 for none): sorted by start, a container
 * is followed by its first child before it ends. An action whose end is unknown cannot be told apart from a
 * container this way: it is never guessed to be one.
 */
function guessedContainer(t: ActionTable, i: number, j: number): number {
    return j >= 0 && t.run.codes[i] === t.run.codes[j] && !t.endUnknown[i] && t.start[j] < t.start[i] + t.duration[i] && t.start[j] >= t.start[i] ? 1 : 0;
}

/** guessedContainer for every row of the order (all of them new). */
function guessAllContainers(t: ActionTable): void {
    const order = t.order, container = t.container, n = t.count;
    for (let k = 0; k < n; k++) container[order[k]] = guessedContainer(t, order[k], k + 1 < n ? order[k + 1] : -1);
}

function cmpNum(a: number, b: number): number {
    return a === b || (Number.isNaN(a) && Number.isNaN(b)) ? 0 : Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b;
}

/** The columns' query names and roles, in order. */
export function tableSignature(dataView: DataView | undefined): string {
    return (dataView?.table?.columns ?? []).map((c) => `${c.queryName ?? c.displayName}:${Object.keys(c.roles ?? {}).filter((k) => c.roles?.[k]).sort().join("+")}`).join("|");
}

/** Converts a table DataView into an ActionTable. Pure: no host, no DOM. */
export function convertActions(dataView: DataView | undefined): ActionTable | null {
    return ActionTableBuilder.from(dataView)?.table ?? null;
}

/** Run codes that have rows, in table order (the pseudo-run for rows without a run last). */
export function runsInTable(t: ActionTable): number[] {
    const out: number[] = [];
    for (let r = 0; r < t.runFirst.length; r++) if (t.runFirst[r] >= 0) out.push(r);
    return out;
}

/**
 * End of a row in epoch ms, never before its start. Not stored (8 bytes a row): it is the start plus the
 * duration, and for a row whose end is unknown (`endUnknown`), where its open-ended marker stops: the
 * latest known time of its run (its own start when nothing is known after it).
 */
export function endOf(t: ActionTable, row: number): number {
    if (!t.endUnknown[row]) return t.start[row] + t.duration[row];
    const code = t.run.codes[row];
    return Math.max(t.start[row], t.runFinish[code < 0 ? t.run.values.length : code]);
}

/** Run code of a row (the pseudo-run for rows without a run). */
export function runOf(t: ActionTable, row: number): number {
    return t.run.codes[row] < 0 ? t.run.values.length : t.run.codes[row];
}

export function runLabel(t: ActionTable, runCode: number): string {
    return runCode < t.run.values.length ? t.run.values[runCode] : "";
}

export function text(c: TextColumn, row: number): string {
    return c instanceof LazyTextColumn ? c.text(row) : codeText(c, row);
}

/** Kept row ids in order (for tests and small tables). */
export function keptRows(t: ActionTable): number[] {
    return Array.from(t.order);
}
