/**
 * A run's V2 action log: `flowlog` rows (one per action, type 100000001) plus a few rows of other
 * types that a reader must ignore. Real-shape runs (the large majority) carry the per-action object
 * of real-shape.ts in `data`, their execution order in `logindex` and their duration in `duration`,
 * all with one `createdon`, and come back in no particular order. Alias-style runs keep the legacy
 * `data` shape (sequence/parentSequence/depth/...), one createdon per action, in execution order.
 * docs/sample-data.md shows both.
 */
import type { ActionRecord } from "./actions.js";
import type { DataverseRow } from "./model.js";
import { dvTime, type Rng } from "./prng.js";
import type { RealLog } from "./real-shape.js";

export const FLOWLOG_ACTION = 100000001;
export const FLOWLOG_CUSTOM = 100000000;
export const FLOWLOG_QUEUE = 100000002;
const LEVEL_INFO = 100000002;
const LEVEL_ERROR = 100000004;

export interface FlowLogRun {
    runId: string;
    /** When the run was queued (the queue event row). */
    queuedMs: number;
    /** When the run completed: the real shape's rows are created just after, all at once. */
    completedMs: number;
    ttlMinutes: number;
}

/**
 * The run's rows. With `real` (the run's real-shape log) the action rows are the real shape,
 * shuffled; without it they are the legacy shape, in order.
 */
export function flowLogRows(run: FlowLogRun, actions: ActionRecord[], rng: Rng, real?: RealLog): DataverseRow[] {
    const ttl = run.ttlMinutes > 0 ? run.ttlMinutes * 60 : null;
    const row = (type: number, level: number, at: number, logindex: number | null, duration: number | null, data: unknown): DataverseRow => ({
        flowlogid: rng.guid(),
        logindex,
        duration,
        data: typeof data === "string" ? data : JSON.stringify(data),
        type,
        level,
        _flowsessionid_value: run.runId,
        createdon: dvTime(at),
        modifiedon: dvTime(at),
        ttlinseconds: ttl,
        partitionid: run.runId,
        name: null,
    });
    const queue = (): DataverseRow => row(FLOWLOG_QUEUE, LEVEL_INFO, run.queuedMs, null, null, { eventType: "QueueItemAssigned", runId: run.runId, queuedAt: new Date(run.queuedMs).toISOString() });
    const custom = (at: number): DataverseRow => row(FLOWLOG_CUSTOM, LEVEL_INFO, at, null, null, { message: `Run finished after ${actions.length} actions`, source: "CustomLog" });
    if (real) {
        // The agent uploads the whole log after the run: one createdon for every row it writes.
        const created = run.completedMs + rng.int(400, 2_500);
        const rows: DataverseRow[] = [queue()];
        for (let i = 0; i < actions.length; i++) {
            const level = actions[i].status === "Failed" ? LEVEL_ERROR : LEVEL_INFO;
            rows.push(row(FLOWLOG_ACTION, level, created, i, real.durations[i], JSON.stringify(real.items[i])));
        }
        rows.push(custom(created));
        // Served in no particular order (Fisher-Yates, from the run's stream).
        for (let i = rows.length - 1; i > 0; i--) {
            const j = rng.int(0, i);
            const t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        return rows;
    }
    const rows: DataverseRow[] = [queue()];
    for (const a of actions) {
        rows.push(row(FLOWLOG_ACTION, a.status === "Failed" ? LEVEL_ERROR : LEVEL_INFO, a.end, a.seq, a.end - a.start, {
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
    rows.push(custom(actions.length > 0 ? actions[actions.length - 1].end : run.queuedMs));
    return rows;
}
