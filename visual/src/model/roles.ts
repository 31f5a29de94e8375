/** Data role names, as declared in capabilities.json. */
export const Roles = {
    run: "run",
    flow: "flow",
    subflow: "subflow",
    action: "action",
    actionIndex: "actionIndex",
    machine: "machine",
    start: "start",
    end: "end",
    durationMs: "durationMs",
    status: "status",
    error: "error",
    /** Pre-aggregated input (action_hourly): when bound, each row stands for this many actions. */
    executions: "executions",
    failures: "failures",
    totalMs: "totalMs",
    p50Ms: "p50Ms",
    /** Per row: the action's p95 (timeline emphasis) or, pre-aggregated, the row's p95 (heatmap cells). */
    p95Ms: "p95Ms",
    tooltips: "tooltips",
} as const;

export type RoleName = (typeof Roles)[keyof typeof Roles];
