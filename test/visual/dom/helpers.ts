import powerbi from "powerbi-visuals-api";

import DataView = powerbi.DataView;
import PrimitiveValue = powerbi.PrimitiveValue;

export type Role = "run" | "flow" | "subflow" | "action" | "actionIndex" | "machine" | "start" | "end" | "durationMs" | "status" | "error"
    | "module" | "isContainer" | "insideErrorHandling"
    | "executions" | "failures" | "handledFailures" | "totalMs" | "p50Ms" | "p95Ms";

const numericRoles: ReadonlySet<Role> = new Set<Role>(["durationMs", "actionIndex", "executions", "failures", "handledFailures", "totalMs", "p50Ms", "p95Ms"]);
const booleanRoles: ReadonlySet<Role> = new Set<Role>(["isContainer", "insideErrorHandling"]);

export interface ActionRow {
    run?: string | null;
    flow?: string | null;
    subflow?: string | null;
    action?: string | null;
    actionIndex?: number | null;
    machine?: string | null;
    start?: Date | string | null;
    end?: Date | string | null;
    durationMs?: number | null;
    status?: string | null;
    error?: string | null;
    module?: string | null;
    isContainer?: boolean | null;
    insideErrorHandling?: boolean | null;
    executions?: number | null;
    failures?: number | null;
    handledFailures?: number | null;
    totalMs?: number | null;
    p50Ms?: number | null;
    p95Ms?: number | null;
}

const allRoles: Role[] = ["run", "flow", "subflow", "action", "actionIndex", "machine", "start", "end", "durationMs", "status", "error"];

/** A table DataView as Power BI builds it for capabilities.json's table mapping. */
export function tableDataView(rows: ActionRow[], roles: Role[] = allRoles, objects?: powerbi.DataViewObjects, segment = false): DataView {
    const columns = roles.map((role, index) => ({
        displayName: role,
        queryName: `actions.${role}`,
        index,
        roles: { [role]: true },
        type: numericRoles.has(role) ? { numeric: true } : booleanRoles.has(role) ? { bool: true } : role === "start" || role === "end" ? { dateTime: true } : { text: true },
    }));
    return {
        metadata: { columns, objects, ...(segment ? { segment: {} } : {}) },
        table: {
            columns,
            rows: rows.map((r) => roles.map((role) => (r[role] ?? null) as PrimitiveValue)),
        },
    } as DataView;
}

/** One run of `n` sequential actions, 100 ms apart, the k-th failing when `failAt` says so. */
export function runRows(run: string, n: number, t0 = Date.UTC(2026, 0, 5, 9), failAt = -1, durations?: number[]): ActionRow[] {
    const out: ActionRow[] = [];
    let t = t0;
    for (let i = 0; i < n; i++) {
        const d = durations?.[i] ?? 50 + i * 10;
        out.push({
            run, flow: "Invoices", subflow: i < n / 2 ? "Main" : "Export", action: `Action ${i}`, actionIndex: i + 1, machine: "VM-01",
            start: new Date(t), end: new Date(t + d), durationMs: d,
            status: i === failAt ? "Failed" : "Succeeded", error: i === failAt ? "Element not found" : null,
        });
        t += d + 5;
    }
    return out;
}

/** Every field of the `actions` table the visual takes, the contract's new ones included. */
export const contractRoles: Role[] = [...allRoles, "module", "isContainer", "insideErrorHandling"];

/** The Parquet `action_hourly` table's fields as a report author binds them (hour → Start). */
export const hourlyRoles: Role[] = ["flow", "subflow", "action", "machine", "start", "executions", "failures", "totalMs", "p50Ms", "p95Ms"];
