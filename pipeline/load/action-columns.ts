import type { ActionRecord } from "../decode/action-record.js";

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
