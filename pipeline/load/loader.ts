import type { DuckDBConnection } from "@duckdb/node-api";
import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { sqlPath, sqlString } from "./duckdb.js";
import { ActionAppender, type RunKeys } from "./action-appender.js";
import type { EncodedActions } from "./action-encoding.js";
import { Spool } from "./spool.js";
import { ACTION_HOURLY, ENVIRONMENTS, FLOWS, MACHINES, TABLES, tableDef, type TableDef, type TableName } from "./schema.js";

/**
 * Tables loaded per unit (a UTC day of runs, docs/data-contract.md "Reading"): the staging tables carry a
 * `unit` column beyond the contract, which names the file each row is written to.
 */
const BY_UNIT: readonly TableName[] = ["runs", "actions", "quarantine"];
/** The columns a table's Parquet files hold: its partition columns are the folder names, not in the files. */
const fileColumns = (t: TableDef): TableDef["columns"] => t.columns.filter((c) => !(t.partitionBy as readonly string[]).includes(c.name));
const stagingColumns = (t: TableDef): Array<[string, string]> => [
    ...t.columns.map((c): [string, string] => [c.name, c.type]),
    ...(BY_UNIT.includes(t.name) ? [["unit", "VARCHAR"] as [string, string]] : []),
];

/** Per env, flow, subflow, action, machine and UTC hour, over `source` (actions with env and month). Percentiles use quantile_cont (linear interpolation). */
const hourlyQuery = (source: string, tz: string) => `
    SELECT env, strftime(hour, '%Y-%m') AS month, flow_id, subflow, action_name, system_action_name, module, is_container, machine_id, hour,
           timezone(${tz}, hour) AS local_hour_start, CAST(timezone(${tz}, hour) AS DATE) AS local_date,
           hour(timezone(${tz}, hour))::INTEGER AS local_hour, isodow(timezone(${tz}, hour))::INTEGER AS local_weekday,
           count(*)::BIGINT AS executions,
           count(*) FILTER (WHERE lower(status) = 'failed')::BIGINT AS failures,
           count(*) FILTER (WHERE lower(status) = 'failed' AND inside_error_handling)::BIGINT AS handled_failures,
           coalesce(sum(duration_ms), 0)::BIGINT AS total_ms,
           quantile_cont(duration_ms, 0.5)::DOUBLE AS p50_ms,
           quantile_cont(duration_ms, 0.9)::DOUBLE AS p90_ms,
           quantile_cont(duration_ms, 0.95)::DOUBLE AS p95_ms,
           max(duration_ms)::BIGINT AS max_ms
    FROM (SELECT *, date_trunc('hour', started_on) AS hour FROM ${source} WHERE started_on IS NOT NULL)
    GROUP BY ALL`;

const DEFAULT_OBJECT_SIZE = 16 * 1024 * 1024;

/** JSON spool type of a column: timestamps travel as epoch ms. */
const jsonType = (type: string) => (type === "TIMESTAMPTZ" ? "BIGINT" : type);
const selectExpr = (name: string, type: string, from = "") =>
    type === "TIMESTAMPTZ" ? `epoch_ms(${from}${name})::TIMESTAMPTZ AS ${name}` : `${from}${name}`;

function readJson(file: string, columns: Array<[string, string]>, longest: number): string {
    const cols = columns.map(([n, t]) => `${n}: '${t}'`).join(", ");
    const size = Math.max(DEFAULT_OBJECT_SIZE, longest + 1024);
    return `read_json(${sqlPath(file)}, format = 'newline_delimited', columns = {${cols}}, maximum_object_size = ${size})`;
}

/**
 * Parquet page compression. ZSTD (the default) makes the smallest files; Snappy is the codec every Parquet
 * reader has had longest, for readers that reject ZSTD (docs/data-contract.md, "Compression").
 */
export type ParquetCompression = "zstd" | "snappy";
export const PARQUET_COMPRESSIONS: readonly ParquetCompression[] = ["zstd", "snappy"];

/**
 * The DuckDB side of the build: bounded spool files are inserted into staging tables (one environment,
 * one month of runs at a time, so memory stays bounded), and written as Parquet, one file per unit.
 */
export class Loader {
    private readonly appender: ActionAppender;

    constructor(private readonly con: DuckDBConnection, private readonly compression: ParquetCompression = "zstd") {
        this.appender = new ActionAppender(con);
        // Interpolated into SQL: only the known names.
        if (!PARQUET_COMPRESSIONS.includes(compression)) throw new Error(`unknown Parquet compression '${String(compression)}' (zstd or snappy)`);
    }

    // One call for all the statements: each call is a round trip through Node's thread pool (2-3 ms a statement).
    async createTables(): Promise<void> {
        await this.con.run([
            ...TABLES.map((t) => `CREATE OR REPLACE TABLE ${t.name} (${stagingColumns(t).map(([n, ty]) => `${n} ${ty}`).join(", ")})`),
            ...ActionAppender.createStatements(),
        ].join(";\n"));
    }

    /** Empties every table: the next batch starts from nothing. */
    async clear(): Promise<void> {
        await this.con.run([...TABLES.map((t) => `DELETE FROM ${t.name}`), ...this.appender.clear()].join(";\n"));
    }

    /** Appends a decoded run's actions (encoded by action-encoding.ts); writeUnitTables writes them with the batch's `actions`. */
    async appendActions(run: RunKeys, actions: EncodedActions): Promise<void> {
        await this.appender.append(run, actions);
    }

    /** Before the connection closes: DuckDB's appenders must be closed first. */
    dispose(): void {
        this.appender.close();
    }

    /** Inserts a few rows through a spool file in `dir` (environment-level tables: a handful of rows). */
    async insertRows(dir: string, rows: ReadonlyArray<readonly [TableName, Record<string, unknown>]>): Promise<void> {
        const spools = new Map<TableName, Spool>();
        for (const [t, row] of rows) {
            let s = spools.get(t);
            if (!s) spools.set(t, (s = new Spool(dir, t)));
            s.write(row);
        }
        for (const [t, s] of spools) {
            const done = s.finish();
            if (done) await this.loadRows(t, done.file, done.longest);
        }
    }

    /** Inserts a spool of flat rows (one JSON object per line, keyed by column name). */
    async loadRows(table: TableName, file: string, longest: number): Promise<void> {
        const columns = stagingColumns(tableDef(table));
        const src = readJson(file, columns.map(([n, ty]) => [n, jsonType(ty)]), longest);
        const exprs = columns.map(([n, ty]) => selectExpr(n, ty)).join(", ");
        await this.con.run(`INSERT INTO ${table} SELECT ${exprs} FROM ${src}`);
    }

    /**
     * Copies the rows of `runIds` from a unit's current files (runs, actions, quarantine) into the staging
     * tables, as that unit's rows again: runs an incremental build did not have to decode. Columns the write
     * computes (local times, run labels) are computed again like those of decoded runs. Returns what the copied
     * rows add to the unit's counts, their actions' start days as UTC day numbers (floor of epoch ms / 86,400,000,
     * the build's rule for decoded actions).
     */
    async copyUnitRows(env: string, month: string, unit: string, runIds: readonly string[], files: Partial<Record<TableName, string[]>>): Promise<{
        runs: number; actions: number; quarantined: number; runsWithWarnings: number; hourDays: number[];
    }> {
        if (runIds.length === 0) return { runs: 0, actions: 0, quarantined: 0, runsWithWarnings: 0, hourDays: [] };
        // A semi-join against the list, not `IN (literal, ...)`: hundreds of literals are compared one by one per row.
        const ids = `(SELECT unnest([${runIds.map(sqlString).join(", ")}]))`;
        const copied: Partial<Record<TableName, number>> = {};
        for (const table of BY_UNIT) {
            const list = files[table];
            if (!list?.length) continue;
            const t = tableDef(table);
            const cols = fileColumns(t).map((c) => c.name).join(", ");
            const r = await this.con.run(
                `INSERT INTO ${table} (${cols}, env, month, unit) SELECT ${cols}, ${sqlString(env)}, ${sqlString(month)}, ${sqlString(unit)}
                 FROM read_parquet([${list.map(sqlPath).join(", ")}], hive_partitioning = false) WHERE run_id IN ${ids}`,
            );
            copied[table] = r.rowsChanged;
        }
        const where = `unit = ${sqlString(unit)} AND run_id IN ${ids}`;
        const r = await this.con.runAndReadAll(`SELECT
            (SELECT count(*) FROM runs WHERE ${where} AND decode_warnings > 0)::INTEGER,
            (SELECT coalesce(list(DISTINCT epoch_ms(started_on) // 86400000), []) FROM actions WHERE ${where} AND started_on IS NOT NULL)`);
        const [withWarnings, days] = r.getRows()[0];
        return {
            runs: copied.runs ?? 0, runsWithWarnings: Number(withWarnings), actions: copied.actions ?? 0, quarantined: copied.quarantine ?? 0,
            hourDays: (days as { items: unknown[] }).items.map(Number),
        };
    }

    /**
     * Local wall-clock columns through DuckDB's ICU (DST-correct) and the run label the visual shows as a
     * run header, computed as the rows are written (an UPDATE of every loaded action cost as much again as
     * writing them). One environment's rows at a time, so one time zone.
     */
    private localColumns(table: TableName, tz: string): Map<string, string> {
        const local = (col: string) => `timezone(${tz}, ${col})`;
        const label = `concat_ws(' · ', coalesce(flow_name, flow_id, 'unknown flow'),
            strftime(${local("coalesce(started_on, created_on)")}, '%Y-%m-%d %H:%M:%S'), coalesce(status, 'unknown status'))`;
        if (table === "runs") {
            return new Map([
                ["started_on_local", local("started_on")],
                ["local_date", `CAST(${local("coalesce(started_on, created_on)")} AS DATE)`],
                ["local_hour", `hour(${local("started_on")})`],
                ["run_label", label],
            ]);
        }
        if (table === "actions") {
            return new Map([
                ["started_on_local", local("a.started_on")],
                ["local_hour", `hour(${local("a.started_on")})`],
                ["local_weekday", `isodow(${local("a.started_on")})`],
                ["run_label", "r.run_label"],
            ]);
        }
        return new Map();
    }

    /**
     * Writes loaded tables of a batch as one Parquet file per unit, rows in key order, into
     * `<dir>/<table>/unit=<u>/`. Partition columns (env, month) are left out of the files: they are the folder
     * names the caller moves them to. Returns the files written, by table and unit; tables without rows are not
     * written (no entry). The caller counts the rows (a count per table and batch cost 0.2 s of a 1x build).
     * One statement list for all the tables: each statement's completion waits for the event loop, which the
     * decoder holds for a few ms at a time while DuckDB has nothing to do.
     */
    async writeUnitTables(dir: string, tables: ReadonlyArray<readonly [TableName, number]>, timeZone: string, batch?: { env: string; month: string }): Promise<Map<TableName, Map<string, string[]>>> {
        const written = tables.filter(([, rows]) => rows > 0).map(([table]) => table);
        if (written.length === 0) return new Map();
        mkdirSync(dir, { recursive: true });
        const tz = sqlString(timeZone);
        await this.con.run(written.map((table) => this.unitsCopy(path.join(dir, table), table, tz, batch)).join(";\n"));
        return new Map(written.map((table) => [table, listUnitFiles(path.join(dir, table))]));
    }

    private unitsCopy(target: string, table: TableName, tz: string, batch?: { env: string; month: string }): string {
        const t = tableDef(table);
        const computed = this.localColumns(table, tz);
        // Actions take their run's label: the run header, the same string in both tables.
        // Actions are those copied into `actions` and those appended (action-appender.ts).
        const appended = table === "actions" && batch ? this.appender.select(batch.env, batch.month, sqlString) : null;
        const actions = appended ? `(SELECT * FROM actions UNION ALL BY NAME ${appended})` : "actions";
        const from = table === "actions"
            ? `${actions} a LEFT JOIN (SELECT run_id, ${this.localColumns("runs", tz).get("run_label")} AS run_label FROM runs) r ON r.run_id = a.run_id`
            : `${table} a`;
        const cols = fileColumns(t)
            // Cast to the contract's type: hour() and isodow() are BIGINT, the contract says INTEGER.
            .map((c) => (computed.has(c.name) ? `CAST(${computed.get(c.name)} AS ${c.type}) AS ${c.name}` : table === "runs" ? c.name : `a.${c.name}`));
        return `COPY (SELECT ${cols.join(", ")}, ${table === "runs" ? "" : "a."}unit FROM ${from} ORDER BY ${t.key.map((k) => (table === "runs" ? k : `a.${k}`)).join(", ")}) TO ${sqlPath(target)} (FORMAT parquet, COMPRESSION ${this.compression}, PARTITION_BY (unit), OVERWRITE_OR_IGNORE)`;
    }

    /**
     * action_hourly for the given UTC days, aggregated from the environment's current action files (those
     * a build just wrote and those it kept), written like writeUnitTables. Parquet statistics skip the files of
     * other days, so the cost follows the days, not the history. The days are compared as dates (UTC, the
     * session's time zone): formatting every action's start as text cost twice as much.
     */
    async writeHourly(dir: string, actionFiles: readonly string[], days: readonly string[], timeZone: string): Promise<Map<string, string[]>> {
        if (days.length === 0 || actionFiles.length === 0) return new Map();
        const sorted = [...days].sort();
        const from = `TIMESTAMPTZ '${sorted[0]} 00:00:00+00'`;
        const to = `TIMESTAMPTZ '${sorted[sorted.length - 1]} 00:00:00+00' + INTERVAL 1 DAY`;
        const source = `(SELECT * FROM read_parquet([${actionFiles.map(sqlPath).join(", ")}], hive_partitioning = true, hive_types = {'env': VARCHAR, 'month': VARCHAR})
            WHERE started_on >= ${from} AND started_on < ${to} AND CAST(started_on AS DATE) IN (${sorted.map((d) => `DATE ${sqlString(d)}`).join(", ")}))`;
        await this.con.run(`DELETE FROM action_hourly`);
        await this.con.run(`INSERT INTO action_hourly SELECT ${ACTION_HOURLY.columns.map((c) => c.name).join(", ")} FROM (${hourlyQuery(source, sqlString(timeZone))})`);
        const t = ACTION_HOURLY;
        const cols = fileColumns(t).map((c) => c.name);
        const target = path.join(dir, t.name);
        if ((await this.count("action_hourly")) === 0) return new Map();
        mkdirSync(dir, { recursive: true });
        await this.con.run(
            `COPY (SELECT ${cols.join(", ")}, strftime(hour, '%Y-%m-%d') AS unit FROM action_hourly ORDER BY ${t.key.join(", ")}) TO ${sqlPath(target)} (FORMAT parquet, COMPRESSION ${this.compression}, PARTITION_BY (unit), OVERWRITE_OR_IGNORE)`,
        );
        return listUnitFiles(target);
    }

    /** The environment-level tables (environments, flows, machines), one file each: `<dir>/<table>.parquet`. */
    async writeEnvironmentTables(dir: string): Promise<Map<TableName, string>> {
        const files = new Map<TableName, string>();
        mkdirSync(dir, { recursive: true });
        for (const t of [ENVIRONMENTS, FLOWS, MACHINES]) {
            const cols = fileColumns(t).map((c) => c.name);
            const file = path.join(dir, `${t.name}.parquet`);
            await this.con.run(`COPY (SELECT ${cols.join(", ")} FROM ${t.name} ORDER BY ${t.key.join(", ")}) TO ${sqlPath(file)} (FORMAT parquet, COMPRESSION ${this.compression})`);
            files.set(t.name, file);
        }
        return files;
    }

    /** first_seen of the logs in earlier quarantine files, by `<runId>/<source>`. */
    async quarantineFirstSeen(files: readonly string[]): Promise<Map<string, number>> {
        const map = new Map<string, number>();
        if (files.length === 0) return map;
        const r = await this.con.runAndReadAll(`SELECT run_id, log_source, epoch_ms(first_seen)::BIGINT FROM read_parquet([${files.map(sqlPath).join(", ")}])`);
        for (const [run, src, ms] of r.getRows()) map.set(`${String(run)}/${String(src)}`, Number(ms));
        return map;
    }

    async count(table: TableName): Promise<number> {
        const r = await this.con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table}`);
        return r.getRows()[0][0] as number;
    }
}

function listUnitFiles(target: string): Map<string, string[]> {
    const byUnit = new Map<string, string[]>();
    // Synchronous: called in a DuckDB task, where each asynchronous step waits for the decoder to yield.
    for (const d of readdirSync(target, { withFileTypes: true })) {
        if (!d.isDirectory() || !d.name.startsWith("unit=")) continue;
        const files = readdirSync(path.join(target, d.name)).filter((f) => f.endsWith(".parquet")).sort();
        byUnit.set(d.name.slice("unit=".length), files.map((f) => path.join(target, d.name, f)));
    }
    return byUnit;
}
