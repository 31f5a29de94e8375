import type { DuckDBConnection } from "@duckdb/node-api";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { sqlPath, sqlString } from "./duckdb.js";
import { ACTION_HOURLY, ACTIONS, TABLES, columnsDdl, type TableDef, type TableName } from "./schema.js";

/** Columns of a per-run actions spool line besides `actions`. */
const RUN_KEYS = ["env", "month", "run_id", "flow_id", "machine_id", "log_source"] as const;

/** Tables written environment by environment (writeEnvironment), not at the end. */
const PER_ENVIRONMENT: readonly TableDef[] = [ACTIONS, ACTION_HOURLY];

/** Per env, flow, subflow, action, machine and UTC hour. Percentiles use quantile_cont (linear interpolation). */
const hourlyQuery = (where: string, tz: string) => `
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
    FROM (SELECT *, date_trunc('hour', started_on) AS hour FROM actions WHERE ${where} AND started_on IS NOT NULL)
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
 * The DuckDB side of the build: bounded spool files are inserted table by table into a staging
 * database on disk (so memory stays bounded), action_hourly is aggregated there, and every table is
 * written as ZSTD Parquet, Hive-partitioned by env and month where the contract says so.
 */
/**
 * Parquet page compression. ZSTD (the default) makes the smallest files; Snappy is the codec every Parquet
 * reader has had longest, for readers that reject ZSTD (docs/data-contract.md, "Compression").
 */
export type ParquetCompression = "zstd" | "snappy";
export const PARQUET_COMPRESSIONS: readonly ParquetCompression[] = ["zstd", "snappy"];

export class Loader {
    constructor(private readonly con: DuckDBConnection, private readonly compression: ParquetCompression = "zstd") {
        // Interpolated into SQL: only the known names.
        if (!PARQUET_COMPRESSIONS.includes(compression)) throw new Error(`unknown Parquet compression '${String(compression)}' (zstd or snappy)`);
    }

    async createTables(): Promise<void> {
        for (const t of TABLES) {
            await this.con.run(`CREATE OR REPLACE TABLE ${t.name} (${columnsDdl(t)})`);
        }
    }

    /** Inserts a spool of flat rows (one JSON object per line, keyed by column name). */
    async loadRows(table: TableName, file: string, longest: number): Promise<void> {
        const t = TABLES.find((x) => x.name === table) as TableDef;
        const src = readJson(file, t.columns.map((c) => [c.name, jsonType(c.type)]), longest);
        const exprs = t.columns.map((c) => selectExpr(c.name, c.type)).join(", ");
        await this.con.run(`INSERT INTO ${t.name} SELECT ${exprs} FROM ${src}`);
    }

    /** Inserts a spool of per-run lines `{env, month, run_id, flow_id, machine_id, log_source, actions: [...]}`: DuckDB unnests. */
    async loadActions(file: string, longest: number): Promise<void> {
        const perAction = ACTIONS.columns.filter((c) => !(RUN_KEYS as readonly string[]).includes(c.name));
        const struct = `STRUCT(${perAction.map((c) => `${c.name} ${jsonType(c.type)}`).join(", ")})[]`;
        const columns: Array<[string, string]> = [...RUN_KEYS.map((k): [string, string] => [k, "VARCHAR"]), ["actions", struct]];
        const exprs = ACTIONS.columns
            .map((c) => ((RUN_KEYS as readonly string[]).includes(c.name) ? c.name : selectExpr(c.name, c.type, "a.")))
            .join(", ");
        await this.con.run(
            `INSERT INTO actions SELECT ${exprs} FROM (SELECT ${RUN_KEYS.join(", ")}, unnest(actions) AS a FROM ${readJson(file, columns, longest)})`,
        );
    }

    /**
     * Aggregates one environment's action_hourly and writes its actions and action_hourly partitions,
     * then drops its actions: called as soon as an environment's actions are loaded, so Parquet writing
     * overlaps the decoding of the next environment and the database holds one environment's actions.
     * Partitions are per env, so environments never write the same file names.
     */
    async writeEnvironment(dir: string, env: string, timeZone: string): Promise<void> {
        const where = `env = ${sqlString(env)}`;
        const tz = sqlString(timeZone);
        // Local wall-clock columns through DuckDB's ICU (DST-correct), and the run label the visual shows as
        // a run header; the environment's runs are loaded before this is called.
        const local = (col: string) => `timezone(${tz}, ${col})`;
        await this.con.run(`
            UPDATE runs SET started_on_local = ${local("started_on")},
                local_date = CAST(${local("coalesce(started_on, created_on)")} AS DATE),
                local_hour = hour(${local("started_on")}),
                run_label = concat_ws(' · ', coalesce(flow_name, flow_id, 'unknown flow'),
                    strftime(${local("coalesce(started_on, created_on)")}, '%Y-%m-%d %H:%M:%S'), coalesce(status, 'unknown status'))
            WHERE ${where}`);
        await this.con.run(`
            UPDATE actions SET started_on_local = ${local("actions.started_on")}, local_hour = hour(${local("actions.started_on")}),
                local_weekday = isodow(${local("actions.started_on")}), run_label = r.run_label
            FROM runs r WHERE actions.env = ${sqlString(env)} AND r.env = actions.env AND r.run_id = actions.run_id`);
        // Inserting into the typed table pins the types to the contract, whatever the aggregates return.
        await this.con.run(`INSERT INTO action_hourly SELECT ${ACTION_HOURLY.columns.map((c) => c.name).join(", ")} FROM (${hourlyQuery(where, tz)})`);
        for (const t of [ACTIONS, ACTION_HOURLY]) await this.copyPartitioned(dir, t, where);
        await this.con.run(`DELETE FROM actions WHERE ${where}`);
        await this.con.run(`DELETE FROM action_hourly WHERE ${where}`);
    }

    /** Writes every table except those written per environment, in key order, so two builds give the same rows in the same order. */
    async writeParquet(dir: string): Promise<void> {
        for (const t of TABLES) {
            const target = path.join(dir, t.name);
            await mkdir(target, { recursive: true });
            if (PER_ENVIRONMENT.includes(t)) continue;
            if (t.partitionBy.length) await this.copyPartitioned(dir, t, "true");
            else {
                const query = `SELECT ${t.columns.map((c) => c.name).join(", ")} FROM ${t.name} ORDER BY ${t.key.join(", ")}`;
                await this.con.run(`COPY (${query}) TO ${sqlPath(path.join(target, "data.parquet"))} (FORMAT parquet, COMPRESSION ${this.compression})`);
            }
        }
    }

    private async copyPartitioned(dir: string, t: TableDef, where: string): Promise<void> {
        const target = path.join(dir, t.name);
        await mkdir(target, { recursive: true });
        const query = `SELECT ${t.columns.map((c) => c.name).join(", ")} FROM ${t.name} WHERE ${where} ORDER BY ${t.key.join(", ")}`;
        await this.con.run(
            `COPY (${query}) TO ${sqlPath(target)} (FORMAT parquet, COMPRESSION ${this.compression}, PARTITION_BY (${t.partitionBy.join(", ")}), OVERWRITE_OR_IGNORE)`,
        );
    }

    async count(table: TableName): Promise<number> {
        const r = await this.con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table}`);
        return r.getRows()[0][0] as number;
    }
}
