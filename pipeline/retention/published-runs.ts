import { stat } from "node:fs/promises";
import path from "node:path";
import { sqlString } from "../load/duckdb.js";
import { parquetTable } from "../serve/parquet-source.js";

/** What the published `runs` table says about a run: the version it was built from and its action count. */
export interface PublishedRun {
    modifiedOnMs: number | null;
    actionCount: number;
    logState: string | null;
}

/**
 * The `runs` rows of one environment as Power BI would read them: the Parquet under `<out>/runs/`, read
 * by DuckDB (the archive's published half). An environment never built reads as empty.
 */
export async function readPublishedRuns(out: string, env: string): Promise<Map<string, PublishedRun>> {
    const runs = new Map<string, PublishedRun>();
    if (!(await stat(path.join(out, "runs", `env=${env}`)).catch(() => null))) return runs;
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:", { threads: "2", memory_limit: "512MB" });
    const con = await instance.connect();
    try {
        await con.run("SET TimeZone='UTC'");
        const result = await con.runAndReadAll(
            `SELECT run_id, epoch_ms(modified_on)::BIGINT, action_count, log_state FROM ${parquetTable(out, "runs")} WHERE env = ${sqlString(env)}`,
        );
        for (const [runId, modifiedMs, actionCount, logState] of result.getRows()) {
            runs.set(String(runId), {
                modifiedOnMs: modifiedMs === null ? null : Number(modifiedMs),
                actionCount: Number(actionCount ?? 0),
                logState: logState === null ? null : String(logState),
            });
        }
        return runs;
    } finally {
        con.closeSync();
        instance.closeSync();
    }
}
