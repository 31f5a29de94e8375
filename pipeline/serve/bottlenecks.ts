import type { DuckDBConnection } from "@duckdb/node-api";
import { parquetTable } from "./parquet-source.js";

/** Where an action is much slower than it is elsewhere: on one machine, or at some hours of the day. */
export interface Bottleneck {
    env: string;
    flowName: string;
    subflow: string;
    actionName: string;
    /** `<module>.<action>` (e.g. UIAutomation.Click): tells apart actions that share a display name. */
    systemActionName: string | null;
    dimension: "machine" | "hour";
    /** Machine name, or the UTC hours (e.g. "13, 14, 15") where the action is slow. */
    where: string;
    executions: number;
    /** Typical duration where slow: the median of the hourly cells' medians (of the worst key). */
    typicalMs: number;
    /** Typical duration of the same action everywhere else. */
    baselineMs: number;
    /** typicalMs / baselineMs of the worst key. */
    slowdown: number;
}

export interface BottleneckQuery {
    /** Ignore cells with fewer executions: a handful of slow runs is noise, not a bottleneck. */
    minExecutions?: number;
    /** A key counts as slow from this ratio to the action's mean elsewhere. */
    minSlowdown?: number;
    limit?: number;
}

/**
 * Reads `action_hourly` (the serve-side aggregate) and ranks, per action, the machine and the UTC hours of
 * day whose typical duration is furthest above the same action's everywhere else. Comparing against
 * "everywhere else" rather than the overall figure keeps a slow cell from raising its own baseline.
 * "Typical" is the median of the hourly cells' medians, not a mean: one run that timed out while its last
 * action hung for 20 minutes would otherwise make that action a 300x bottleneck on whichever machine it
 * ran. A bottleneck must show in most hours, not in one.
 * Containers (loops,
 * subflow calls) last as long as their children, so they would echo every bottleneck inside them: they
 * are left out, by the `is_container` flag the build sets (the same rule the visual uses).
 */
export async function findBottlenecks(con: DuckDBConnection, out: string, query: BottleneckQuery = {}): Promise<Bottleneck[]> {
    const minExecutions = query.minExecutions ?? 20;
    const minSlowdown = query.minSlowdown ?? 1.8;
    const limit = query.limit ?? 10;
    await con.run("SET TimeZone = 'UTC'");
    const sql = `
        -- '' for an unnamed system action: the joins below match on it, and NULL never matches.
        WITH h AS (SELECT * REPLACE (coalesce(system_action_name, '') AS system_action_name)
                   FROM ${parquetTable(out, "action_hourly")} WHERE NOT coalesce(is_container, false)),
        -- Typical duration of an action on a machine: the median over its hourly cells of their medians.
        by_machine AS (
            SELECT env, flow_id, subflow, action_name, system_action_name, machine_id, median(p50_ms) AS typical, sum(executions) AS n
            FROM h WHERE machine_id IS NOT NULL GROUP BY ALL),
        -- Machine cells: against the median of the other machines' typical durations for the same action.
        machine_cells AS (
            SELECT m.env, m.flow_id, m.subflow, m.action_name, m.system_action_name, 'machine' AS dimension, m.machine_id AS key, m.n,
                   m.typical AS typical_ms, median(o.typical) AS baseline_ms
            FROM by_machine m JOIN by_machine o USING (env, flow_id, subflow, action_name, system_action_name)
            WHERE o.machine_id <> m.machine_id AND m.n >= ${minExecutions} AND o.n >= ${minExecutions}
            GROUP BY ALL),
        -- Hour cells: each machine's typical duration at that hour of day against its own typical duration, so
        -- a slow machine that happens to run at night does not make the night look slow; then the median over
        -- machines.
        by_machine_hour AS (
            SELECT env, flow_id, subflow, action_name, system_action_name, machine_id, lpad(CAST(hour(hour) AS VARCHAR), 2, '0') AS key,
                   median(p50_ms) AS typical, sum(executions) AS n
            FROM h WHERE machine_id IS NOT NULL GROUP BY ALL),
        hour_cells AS (
            SELECT x.env, x.flow_id, x.subflow, x.action_name, x.system_action_name, 'hour' AS dimension, x.key, sum(x.n) AS n,
                   median(x.typical) AS typical_ms, median(x.typical / m.typical) AS ratio
            FROM by_machine_hour x JOIN by_machine m USING (env, flow_id, subflow, action_name, system_action_name, machine_id)
            WHERE m.typical > 0
            GROUP BY ALL HAVING sum(x.n) >= ${minExecutions}),
        rated AS (
            SELECT env, flow_id, subflow, action_name, system_action_name, dimension, key, n, typical_ms, baseline_ms FROM machine_cells
            UNION ALL
            SELECT env, flow_id, subflow, action_name, system_action_name, dimension, key, n, typical_ms, typical_ms / ratio FROM hour_cells WHERE ratio > 0),
        slow AS (SELECT *, typical_ms / baseline_ms AS slowdown FROM rated WHERE typical_ms / baseline_ms >= ${minSlowdown}),
        grouped AS (
            SELECT env, flow_id, subflow, action_name, system_action_name, dimension,
                   arg_max(key, slowdown) AS worst_key, list(key ORDER BY key) AS keys,
                   max(slowdown) AS slowdown, sum(n) AS executions,
                   arg_max(typical_ms, slowdown) AS typical_ms, arg_max(baseline_ms, slowdown) AS baseline_ms
            FROM slow GROUP BY ALL)
        SELECT g.env, coalesce(f.flow_name, g.flow_id) AS flow_name, g.subflow, g.action_name, g.system_action_name, g.dimension,
               CASE WHEN g.dimension = 'machine' THEN coalesce(m.machine_name, g.worst_key) ELSE array_to_string(g.keys, ', ') END AS where_,
               g.executions, g.typical_ms, g.baseline_ms, g.slowdown
        FROM grouped g
        LEFT JOIN ${parquetTable(out, "flows")} f ON f.env = g.env AND f.flow_id = g.flow_id
        LEFT JOIN ${parquetTable(out, "machines")} m ON g.dimension = 'machine' AND m.env = g.env AND m.machine_id = g.worst_key
        ORDER BY g.slowdown DESC, g.env, g.action_name
        LIMIT ${limit}`;
    const reader = await con.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((r) => ({
        env: String(r.env),
        flowName: String(r.flow_name),
        subflow: String(r.subflow),
        actionName: String(r.action_name),
        systemActionName: r.system_action_name ? String(r.system_action_name) : null,
        dimension: r.dimension as Bottleneck["dimension"],
        where: String(r.where_),
        executions: Number(r.executions),
        typicalMs: Number(r.typical_ms),
        baselineMs: Number(r.baseline_ms),
        slowdown: Number(r.slowdown),
    }));
}
