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
    /** The roles the rows fill, when not the raw actions' ROLE_COLUMNS (e.g. the hourly rollup's measures). */
    roles?: ReadonlyArray<{ role: string; column: string; type: string }>;
    rows: unknown[][];
}

/** action_hourly bound the way a report binds it: the pre-aggregated path of the visual (docs/visual.md). */
export const HOURLY_ROLE_COLUMNS = [
    { role: "flow", column: "flow_name", type: "text" },
    { role: "subflow", column: "subflow", type: "text" },
    { role: "action", column: "action_name", type: "text" },
    { role: "machine", column: "machine_name", type: "text" },
    { role: "start", column: "hour", type: "dateTime" },
    { role: "isContainer", column: "is_container", type: "bool" },
    { role: "executions", column: "executions", type: "numeric" },
    { role: "failures", column: "failures", type: "numeric" },
    { role: "handledFailures", column: "handled_failures", type: "numeric" },
    { role: "totalMs", column: "total_ms", type: "numeric" },
    { role: "p50Ms", column: "p50_ms", type: "numeric" },
    { role: "p95Ms", column: "p95_ms", type: "numeric" },
] as const;

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
export async function buildScenes(con: DuckDBConnection, out: string, heatmapFocus: Array<{ env: string; flowName: string; dimension: "machine" | "hour" }>): Promise<Scene[]> {
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
    // One heatmap per bottleneck found (the two planted ones in the demo), each over the whole hourly rollup
    // of its flow: every hour of every day, not a window of the latest raw actions.
    for (const [i, focus] of heatmapFocus.slice(0, 2).entries()) {
        const reader = await con.runAndReadAll(`
            SELECT f.flow_name, h.subflow, h.action_name, coalesce(m.machine_name, h.machine_id) AS machine_name,
                   strftime(h.hour, '%Y-%m-%dT%H:%M:%S.000Z') AS hour, h.is_container, h.executions, h.failures, h.handled_failures, h.total_ms, h.p50_ms, h.p95_ms
            FROM ${parquetTable(out, "action_hourly")} h
            JOIN ${parquetTable(out, "flows")} f ON f.env = h.env AND f.flow_id = h.flow_id
            LEFT JOIN ${parquetTable(out, "machines")} m ON m.env = h.env AND m.machine_id = h.machine_id
            WHERE h.env = ${sqlString(focus.env)} AND f.flow_name = ${sqlString(focus.flowName)}
            ORDER BY h.hour, h.subflow, h.action_name, machine_name`);
        const hourly = reader.getRowsJS().map((row) => row.map((v) => (typeof v === "bigint" ? Number(v) : v)));
        scenes.push({
            id: i === 0 ? "bottleneck-heatmap" : `bottleneck-heatmap-${i + 1}`,
            title: `Bottleneck heatmap: ${focus.flowName}`,
            description: `action_hourly of the flow, actions x ${focus.dimension === "machine" ? "machine" : "hour of day (UTC)"}, coloured by p95 duration; the worst rows come first.`,
            view: "heatmap",
            heatmapColumns: focus.dimension === "machine" ? "machine" : "hour",
            roles: HOURLY_ROLE_COLUMNS,
            rows: hourly,
        });
    }
    return scenes;
}
