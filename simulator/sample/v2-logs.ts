/**
 * A run's V2 action log: `flowlog` rows (one per action, type 100000001) plus a few rows of other
 * types that a reader must ignore. The `data` shape is documented in docs/sample-data.md.
 */
import type { ActionRecord } from "./actions.js";
import type { DataverseRow } from "./model.js";
import { dvTime, type Rng } from "./prng.js";

export const FLOWLOG_ACTION = 100000001;
export const FLOWLOG_CUSTOM = 100000000;
export const FLOWLOG_QUEUE = 100000002;
const LEVEL_INFO = 100000002;
const LEVEL_ERROR = 100000004;

export function flowLogRows(runId: string, actions: ActionRecord[], queuedMs: number, ttlMinutes: number, rng: Rng): DataverseRow[] {
    const ttl = ttlMinutes > 0 ? ttlMinutes * 60 : null;
    const row = (type: number, level: number, at: number, data: unknown): DataverseRow => ({
        flowlogid: rng.guid(),
        data: JSON.stringify(data),
        type,
        level,
        _flowsessionid_value: runId,
        createdon: dvTime(at),
        modifiedon: dvTime(at),
        ttlinseconds: ttl,
        partitionid: runId,
        name: null,
    });
    const rows: DataverseRow[] = [row(FLOWLOG_QUEUE, LEVEL_INFO, queuedMs, { eventType: "QueueItemAssigned", runId, queuedAt: new Date(queuedMs).toISOString() })];
    for (const a of actions) {
        rows.push(row(FLOWLOG_ACTION, a.status === "Failed" ? LEVEL_ERROR : LEVEL_INFO, a.end, {
            sequence: a.seq,
            parentSequence: a.parentSeq,
            depth: a.depth,
            actionIndex: a.index,
            actionName: a.name,
            systemActionName: a.systemName,
            subflowName: a.subflow,
            startTime: new Date(a.start).toISOString(),
            endTime: new Date(a.end).toISOString(),
            durationMs: a.end - a.start,
            status: a.status,
            ...(a.errorCode ? { errorCode: a.errorCode, errorMessage: a.errorMessage } : {}),
        }));
    }
    const last = actions.length > 0 ? actions[actions.length - 1].end : queuedMs;
    rows.push(row(FLOWLOG_CUSTOM, LEVEL_INFO, last, { message: `Run finished after ${actions.length} actions`, source: "CustomLog" }));
    return rows;
}
