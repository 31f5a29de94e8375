import type { DuckDBConnection } from "@duckdb/node-api";
import { parquetTable } from "../../pipeline/serve/parquet-source.js";
import { sqlString } from "../../pipeline/load/duckdb.js";

/** The visual's table roles, in the order of capabilities.json's table mapping. */
export const ROLE_COLUMNS = [
    { role: "run", column: "run_label", type: "text" },
    { role: "flow", column: "flow_name", type: "text" },
    { role: "subflow", column: "subflow", type: "text" },
    { role: "action", column: "action_name", type: "text" },
    { role: "actionIndex", column: "action_index", type: "integer" },
    { role: "machine", column: "machine_name", type: "text" },
    { role: "start", column: "started_on", type: "dateTime" },
    { role: "end", column: "ended_on", type: "dateTime" },
    { role: "durationMs", column: "duration_ms", type: "numeric" },
    { role: "status", column: "status", type: "text" },
    { role: "error", column: "error_message", type: "text" },
] as const;

export interface Scene {
    id: string;
    title: string;
    description: string;
    /** The view the visual is pinned to in this scene. */
    view: "timeline" | "heatmap";
    heatmapColumns?: "hour" | "weekday" | "date" | "machine";
    rows: unknown[][];
}

const actionsWithNames = (out: string): string => `
    SELECT a.*, r.flow_name, coalesce(m.machine_name, a.machine_id) AS machine_name,
           strftime(r.started_on, '%Y-%m-%d %H:%M') || ' UTC · ' || r.status || ' · ' || r.flow_name AS run_label
    FROM ${parquetTable(out, "actions")} a
    JOIN ${parquetTable(out, "runs")} r ON r.env = a.env AND r.run_id = a.run_id
    LEFT JOIN ${parquetTable(out, "machines")} m ON m.env = a.env AND m.machine_id = a.machine_id`;

async function rows(con: DuckDBConnection, sql: string): Promise<unknown[][]> {
    const select = ROLE_COLUMNS.map((c) => (c.type === "dateTime" ? `strftime(${c.column}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c.column}` : c.column)).join(", ");
    const reader = await con.runAndReadAll(`SELECT ${select} FROM (${sql})`);
    return reader.getRowsJS().map((row) => row.map((v) => (typeof v === "bigint" ? Number(v) : v)));
}

/**
 * The preview's three scenes, from the demo's own Parquet: the timeline of a failed run, the same flow's
 * recent runs side by side, and a heatmap over the flow and environment where the worst bottleneck is.
 */
export async function buildScenes(con: DuckDBConnection, out: string, heatmapFocus: { env: string; flowName: string; dimension: "machine" | "hour" } | null): Promise<Scene[]> {
    await con.run("SET TimeZone = 'UTC'");
    const failed = await con.runAndReadAll(`
        SELECT env, run_id, flow_id FROM ${parquetTable(out, "runs")}
        WHERE log_state = 'parsed' AND failed_action_count > 0 AND action_count BETWEEN 12 AND 28
        ORDER BY action_count DESC, run_id LIMIT 1`); // small enough that the failure shows without scrolling
    const [failedRun] = failed.getRowObjectsJS() as Array<{ env: string; run_id: string; flow_id: string }>;
    if (!failedRun) throw new Error("no failed run with a parsed log in the demo output");
    const scenes: Scene[] = [];
    scenes.push({
        id: "failed-run",
        title: "Timeline of a failed run",
        description: "One lane per action in execution order, grouped by subflow; the failed action is marked.",
        view: "timeline",
        rows: await rows(con, `${actionsWithNames(out)} WHERE a.env = ${sqlString(failedRun.env)} AND a.run_id = ${sqlString(failedRun.run_id)} ORDER BY a.seq`),
    });
    scenes.push({
        id: "run-comparison",
        title: "Recent runs of the same flow, compared",
        description: "One band per run on a shared relative time axis.",
        view: "timeline",
        rows: await rows(con, `${actionsWithNames(out)} WHERE a.env = ${sqlString(failedRun.env)} AND a.run_id IN (
            SELECT run_id FROM ${parquetTable(out, "runs")} WHERE env = ${sqlString(failedRun.env)} AND flow_id = ${sqlString(failedRun.flow_id)}
              AND log_state = 'parsed' AND action_count <= 400 ORDER BY started_on DESC, run_id LIMIT 5)
            ORDER BY a.run_id, a.seq`),
    });
    if (heatmapFocus) {
        scenes.push({
            id: "bottleneck-heatmap",
            title: `Bottleneck heatmap: ${heatmapFocus.flowName}`,
            description: `Actions x ${heatmapFocus.dimension === "machine" ? "machine" : "hour of day (UTC)"}, coloured by p95 duration; the worst rows come first.`,
            view: "heatmap",
            heatmapColumns: heatmapFocus.dimension === "machine" ? "machine" : "hour",
            rows: await rows(con, `${actionsWithNames(out)} WHERE a.env = ${sqlString(heatmapFocus.env)} AND r.flow_name = ${sqlString(heatmapFocus.flowName)}
                ORDER BY a.started_on DESC LIMIT 30000`),
        });
    }
    return scenes;
}
