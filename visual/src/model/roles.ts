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
    /** The action's module (actions.module), shown in tooltips. */
    module: "module",
    /** actions.is_container: when bound, replaces the visual's own timing guess of containers. */
    isContainer: "isContainer",
    /** actions.inside_error_handling: a failed action inside an error handler is a handled failure. */
    insideErrorHandling: "insideErrorHandling",
    /** Pre-aggregated input (action_hourly): when bound, each row stands for this many actions. */
    executions: "executions",
    failures: "failures",
    /** Pre-aggregated: failed executions inside an error handler (action_hourly.handled_failures, part of failures). */
    handledFailures: "handledFailures",
    totalMs: "totalMs",
    p50Ms: "p50Ms",
    /** Per row: the action's p95 (timeline emphasis) or, pre-aggregated, the row's p95 (heatmap cells). */
    p95Ms: "p95Ms",
    tooltips: "tooltips",
} as const;

export type RoleName = (typeof Roles)[keyof typeof Roles];
