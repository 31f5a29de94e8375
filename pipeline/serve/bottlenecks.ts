import type { DuckDBConnection } from "@duckdb/node-api";
import { parquetTable } from "./parquet-source.js";

/** Where an action is much slower than it is elsewhere: on one machine, or at some hours of the day. */
export interface Bottleneck {
    env: string;
    flowName: string;
    subflow: string;
    actionName: string;
    dimension: "machine" | "hour";
    /** Machine name, or the UTC hours (e.g. "13, 14, 15") where the action is slow. */
    where: string;
    executions: number;
    meanMs: number;
    /** Mean duration of the same action everywhere else. */
    baselineMs: number;
    /** meanMs / baselineMs of the worst key. */
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
 * day whose mean duration is furthest above the same action's mean everywhere else. Comparing against
 * "everywhere else" rather than the overall mean keeps a slow cell from raising its own baseline. Means add
 * up across hourly cells exactly (total_ms / executions); percentiles would not. Containers (loops, ifs,
 * subflow calls) last as long as their children, so they would echo every bottleneck inside them: they
 * are left out, found as the actions some other action names as its parent.
 */
export async function findBottlenecks(con: DuckDBConnection, out: string, query: BottleneckQuery = {}): Promise<Bottleneck[]> {
    const minExecutions = query.minExecutions ?? 20;
    const minSlowdown = query.minSlowdown ?? 1.8;
    const limit = query.limit ?? 10;
    await con.run("SET TimeZone = 'UTC'");
    const sql = `
        WITH a AS (SELECT env, run_id, seq, parent_seq, flow_id, subflow, action_name FROM ${parquetTable(out, "actions")}),
        containers AS (
            SELECT DISTINCT p.env, p.flow_id, p.subflow, p.action_name FROM a p
            SEMI JOIN (SELECT DISTINCT env, run_id, parent_seq FROM a WHERE parent_seq IS NOT NULL) c
                ON c.env = p.env AND c.run_id = p.run_id AND c.parent_seq = p.seq),
        h AS (SELECT * FROM ${parquetTable(out, "action_hourly")} ANTI JOIN containers USING (env, flow_id, subflow, action_name)),
        base AS (
            SELECT env, flow_id, subflow, action_name, sum(total_ms) AS total, sum(executions) AS n
            FROM h GROUP BY ALL),
        by_machine AS (
            SELECT env, flow_id, subflow, action_name, machine_id, sum(total_ms) AS total, sum(executions) AS n
            FROM h GROUP BY ALL),
        -- Machine cells: against the same action on every other machine.
        machine_cells AS (
            SELECT m.env, m.flow_id, m.subflow, m.action_name, 'machine' AS dimension, m.machine_id AS key, m.total, m.n,
                   m.total / m.n AS mean_ms, (b.total - m.total) / (b.n - m.n) AS baseline_ms
            FROM by_machine m JOIN base b USING (env, flow_id, subflow, action_name)
            WHERE m.machine_id IS NOT NULL AND m.n >= ${minExecutions} AND b.n - m.n >= ${minExecutions} AND b.total > m.total),
        -- Hour cells: against what the same machines take for the action at other hours, so a slow machine
        -- that happens to run at night does not make the night look slow.
        hour_cells AS (
            SELECT h.env, h.flow_id, h.subflow, h.action_name, 'hour' AS dimension, lpad(CAST(hour(h.hour) AS VARCHAR), 2, '0') AS key,
                   sum(h.total_ms) AS total, sum(h.executions) AS n,
                   sum(h.total_ms) / sum(h.executions) AS mean_ms,
                   sum(h.executions * m.total / m.n) / sum(h.executions) AS baseline_ms
            FROM h JOIN by_machine m ON m.env = h.env AND m.flow_id = h.flow_id AND m.subflow = h.subflow AND m.action_name = h.action_name
                AND m.machine_id IS NOT DISTINCT FROM h.machine_id
            GROUP BY ALL HAVING sum(h.executions) >= ${minExecutions}),
        rated AS (SELECT * FROM machine_cells UNION ALL SELECT * FROM hour_cells),
        slow AS (SELECT *, mean_ms / baseline_ms AS slowdown FROM rated WHERE mean_ms / baseline_ms >= ${minSlowdown}),
        grouped AS (
            SELECT env, flow_id, subflow, action_name, dimension,
                   arg_max(key, slowdown) AS worst_key, list(key ORDER BY key) AS keys,
                   max(slowdown) AS slowdown, sum(n) AS executions,
                   sum(total) / sum(n) AS mean_ms, arg_max(baseline_ms, slowdown) AS baseline_ms
            FROM slow GROUP BY ALL)
        SELECT g.env, coalesce(f.flow_name, g.flow_id) AS flow_name, g.subflow, g.action_name, g.dimension,
               CASE WHEN g.dimension = 'machine' THEN coalesce(m.machine_name, g.worst_key) ELSE array_to_string(g.keys, ', ') END AS where_,
               g.executions, g.mean_ms, g.baseline_ms, g.slowdown
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
        dimension: r.dimension as Bottleneck["dimension"],
        where: String(r.where_),
        executions: Number(r.executions),
        meanMs: Number(r.mean_ms),
        baselineMs: Number(r.baseline_ms),
        slowdown: Number(r.slowdown),
    }));
}
