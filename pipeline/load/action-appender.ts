import { DOUBLE, DuckDBDataChunk, INTEGER, TINYINT, type DuckDBAppender, type DuckDBConnection, type DuckDBType } from "@duckdb/node-api";
import { DETAIL_COLUMNS, FLAG_COLUMNS, KIND_COLUMNS, NO_DETAIL, NULL_FLAG, NUMBER_COLUMNS, Tuples, type EncodedActions } from "./action-encoding.js";

/** The run columns every action row repeats: appended once per run and joined back when the batch is written. */
export interface RunKeys {
    unit: string;
    run_id: string;
    flow_id: string | null;
    machine_id: string | null;
    log_source: string | null;
}

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

const INCOMING_COLUMNS: Array<[string, DuckDBType]> = [
    ["run_key", INTEGER],
    ...NUMBER_COLUMNS.map((c): [string, DuckDBType] => [c, DOUBLE]),
    ...FLAG_COLUMNS.map((c): [string, DuckDBType] => [c, TINYINT]),
    ["kind", INTEGER],
    ["detail", INTEGER],
];

/**
 * Decoded actions into DuckDB through its appender, as typed columns (action-encoding.ts): no JSON between
 * the decoder and the table. Rows of many runs are gathered into full data chunks (a chunk per run cost more
 * in calls than its rows); each combination of texts (action-encoding.ts) is interned once per batch in
 * `action_kinds` / `action_details`, so a name repeated by every run of a flow crosses into DuckDB once.
 * `select` reads the incoming rows as `actions` rows.
 */
export class ActionAppender {
    private actions: DuckDBAppender | null = null;
    private kindRows: DuckDBAppender | null = null;
    private detailRows: DuckDBAppender | null = null;
    private runs: DuckDBAppender | null = null;
    private kinds = new Tuples();
    private details = new Tuples();
    private nextRunKey = 0;
    private readonly types = INCOMING_COLUMNS.map(([, t]) => t);
    private staged = 0;
    private readonly runKey = new Int32Array(CHUNK_ROWS);
    private readonly numbers = NUMBER_COLUMNS.map(() => new Float64Array(CHUNK_ROWS));
    private readonly flags = FLAG_COLUMNS.map(() => new Int8Array(CHUNK_ROWS));
    private readonly kind = new Int32Array(CHUNK_ROWS);
    private readonly detail = new Int32Array(CHUNK_ROWS);

    constructor(private readonly con: DuckDBConnection) {}

    /** The statements that create its tables (run with the loader's, in one call). */
    static createStatements(): string[] {
        return [
            `CREATE OR REPLACE TABLE actions_in (${INCOMING_COLUMNS.map(([n, t]) => `${n} ${t.toString()}`).join(", ")})`,
            `CREATE OR REPLACE TABLE action_kinds (id INTEGER, ${KIND_COLUMNS.map((c) => `${c} VARCHAR`).join(", ")})`,
            `CREATE OR REPLACE TABLE action_details (id INTEGER, ${DETAIL_COLUMNS.map((c) => `${c} VARCHAR`).join(", ")})`,
            "CREATE OR REPLACE TABLE action_runs (run_key INTEGER, unit VARCHAR, run_id VARCHAR, flow_id VARCHAR, machine_id VARCHAR, log_source VARCHAR)",
        ];
    }

    /** Appends one run's actions (synchronous: the rows are copied into DuckDB's buffers). */
    async append(run: RunKeys, e: EncodedActions): Promise<void> {
        if (e.count === 0) return;
        await this.open();
        const key = this.nextRunKey++;
        const r = this.runs!;
        r.appendInteger(key);
        for (const v of [run.unit, run.run_id, run.flow_id, run.machine_id, run.log_source]) {
            if (v === null) r.appendNull();
            else r.appendVarchar(v);
        }
        r.endRow();
        // This encoding's kinds and details -> the batch's.
        const kindIds = this.intern(e.kinds, this.kinds, this.kindRows!);
        const detailIds = this.intern(e.details, this.details, this.detailRows!);
        for (let from = 0; from < e.count;) {
            const n = Math.min(e.count - from, CHUNK_ROWS - this.staged);
            const at = this.staged;
            this.runKey.fill(key, at, at + n);
            NUMBER_COLUMNS.forEach((c, i) => this.numbers[i].set(e.numbers[c].subarray(from, from + n), at));
            FLAG_COLUMNS.forEach((c, i) => this.flags[i].set(e.flags[c].subarray(from, from + n), at));
            for (let j = 0; j < n; j++) {
                this.kind[at + j] = kindIds[e.kind[from + j]];
                const d = e.detail[from + j];
                this.detail[at + j] = d === NO_DETAIL ? NO_DETAIL : detailIds[d];
            }
            this.staged += n;
            from += n;
            if (this.staged === CHUNK_ROWS) this.emit();
        }
    }

    /** The batch's ids of an encoding's tuples; those new to the batch are appended to their table. */
    private intern(tuples: ReadonlyArray<Array<string | null>>, batch: Tuples, rows: DuckDBAppender): Int32Array {
        const ids = new Int32Array(tuples.length);
        tuples.forEach((t, i) => {
            const known = batch.list.length;
            const id = batch.id(t);
            if (id === known) {
                rows.appendInteger(id);
                for (const v of t) {
                    if (v === null) rows.appendNull();
                    else rows.appendVarchar(v);
                }
                rows.endRow();
            }
            ids[i] = id;
        });
        return ids;
    }

    /** Everything appended so far is in the tables (before they are read). */
    flush(): void {
        if (this.staged > 0) this.emit();
        this.actions?.flushSync();
        this.kindRows?.flushSync();
        this.detailRows?.flushSync();
        this.runs?.flushSync();
    }

    /**
     * The appended rows as rows of the staging `actions` table of (env, month): text and run columns joined back,
     * nulls restored. Read as part of the batch's write rather than inserted first: materialising them in
     * `actions` cost more than the conversion itself.
     */
    select(env: string, month: string, quote: (s: string) => string): string | null {
        if (!this.actions) return null;
        this.flush();
        const num = (c: string, type: string) => `CASE WHEN isnan(a.${c}) THEN NULL ELSE CAST(a.${c} AS ${type}) END AS ${c}`;
        const time = (c: string) => `CASE WHEN isnan(a.${c}) THEN NULL ELSE epoch_ms(CAST(a.${c} AS BIGINT))::TIMESTAMPTZ END AS ${c}`;
        const flag = (c: string) => `CASE a.${c} WHEN ${NULL_FLAG} THEN NULL ELSE a.${c} = 1 END AS ${c}`;
        const exprs = [
            ...["seq", "parent_seq", "depth", "action_index"].map((c) => num(c, "INTEGER")),
            time("started_on"), time("ended_on"), num("duration_ms", "BIGINT"),
            ...FLAG_COLUMNS.map(flag),
            ...KIND_COLUMNS.map((c) => `k.${c}`),
            ...DETAIL_COLUMNS.map((c) => `d.${c}`),
        ];
        return `SELECT ${quote(env)} AS env, ${quote(month)} AS month, r.unit, r.run_id, r.flow_id, r.machine_id, r.log_source, ${exprs.join(", ")}
            FROM actions_in a JOIN action_runs r USING (run_key) JOIN action_kinds k ON k.id = a.kind LEFT JOIN action_details d ON d.id = a.detail`;
    }

    /** Forgets the batch's strings; returns the statements that empty its tables, for the loader to run with its own in one call. */
    clear(): string[] {
        this.close();
        this.kinds = new Tuples();
        this.details = new Tuples();
        this.nextRunKey = 0;
        return ["actions_in", "action_kinds", "action_details", "action_runs"].map((t) => `DELETE FROM ${t}`);
    }

    /** Closes the appenders (before the connection closes). */
    close(): void {
        this.staged = 0;
        for (const a of [this.actions, this.kindRows, this.detailRows, this.runs]) a?.closeSync();
        this.actions = this.kindRows = this.detailRows = this.runs = null;
    }

    private async open(): Promise<void> {
        if (this.actions) return;
        this.actions = await this.con.createAppender("actions_in");
        this.kindRows = await this.con.createAppender("action_kinds");
        this.detailRows = await this.con.createAppender("action_details");
        this.runs = await this.con.createAppender("action_runs");
    }

    private emit(): void {
        const n = this.staged;
        const chunk = DuckDBDataChunk.create(this.types, n);
        // Typed arrays straight into the vectors: no per-value calls, and no validity mask (no column holds NULL).
        const columns: ArrayLike<number>[] = [this.runKey, ...this.numbers, ...this.flags, this.kind, this.detail];
        columns.forEach((src, c) => {
            const v = chunk.getColumnVector(c) as unknown as { items: { set(a: ArrayLike<number>): void }; flush(): void };
            v.items.set((src as Int32Array).subarray(0, n));
            v.flush();
        });
        this.actions!.appendDataChunk(chunk);
        this.staged = 0;
    }
}
