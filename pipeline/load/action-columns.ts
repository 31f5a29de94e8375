import type { ActionRecord } from "../decode/action-record.js";

/**
 * An action as a spool object keyed by `actions` column: nulls are left out (JSON.stringify drops
 * undefined) and read_json fills them back, which keeps spool lines short.
 */
export const actionColumns = (a: ActionRecord) => ({
    seq: a.seq,
    parent_seq: a.parentSeq ?? undefined,
    depth: a.depth,
    is_container: a.isContainer,
    action_index: a.actionIndex ?? undefined,
    subflow: a.subflow,
    action_name: a.actionName ?? undefined,
    system_action_name: a.systemActionName ?? undefined,
    module: a.module ?? undefined,
    inside_error_handling: a.insideErrorHandling ?? undefined,
    started_on: a.startedOn ?? undefined,
    ended_on: a.endedOn ?? undefined,
    duration_ms: a.durationMs ?? undefined,
    status: a.status ?? undefined,
    level: a.level ?? undefined,
    error_code: a.errorCode ?? undefined,
    error_message: a.errorMessage ?? undefined,
    error_correlation_id: a.errorCorrelationId ?? undefined,
    inputs_json: a.inputsJson ?? undefined,
    outputs_json: a.outputsJson ?? undefined,
    decode_warning: a.warning ?? undefined,
});

/** Failed actions of a run, told apart by whether an error handler caught them (runs.failed_action_count / handled_failure_count). */
export function failureCounts(actions: readonly ActionRecord[]): { failed: number; handled: number } {
    let failed = 0, handled = 0;
    for (const a of actions) {
        if (a.status === null || a.status.toLowerCase() !== "failed") continue;
        if (a.insideErrorHandling === true) handled++;
        else failed++;
    }
    return { failed, handled };
}

export type LogState = "parsed" | "quarantined" | "unavailable" | "pending" | "disabled" | "missing";

/** runs.log_state (docs/data-contract.md): why a run has actions, or why it has none. */
export function logState(r: {
    parsed: boolean;
    quarantined: boolean;
    unavailable: boolean;
    finished: boolean;
    /** organization.desktopflowrunactionlogsstatus: 1 logs on failure only, 2 disabled. */
    logStatus: number | null;
    statusCode: number | null;
}): LogState {
    if (r.parsed) return "parsed";
    if (r.quarantined) return "quarantined";
    if (r.unavailable) return "unavailable";
    // Still going (or paused, waiting): its log comes when it ends, so pending, not missing.
    if (!r.finished) return "pending";
    return r.logStatus === 2 || (r.logStatus === 1 && r.statusCode === 4) ? "disabled" : "missing";
}
