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
    tooltips: "tooltips",
} as const;

export type RoleName = (typeof Roles)[keyof typeof Roles];
