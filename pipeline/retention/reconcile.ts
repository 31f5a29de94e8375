import type { DataverseClient } from "../extract/dataverse-client.js";
import { readDeletions, writeDeletions, type Reconciliation } from "../store/deletions.js";
import type { RawStore } from "../store/raw-store.js";
import { readJobRecords } from "../store/retention-jobs.js";
import { parseGuid } from "../util/ids.js";

export interface ReconcileOptions {
    /** The createdon window compared, [from, to): `to` no later than when the listing starts. */
    from: string;
    to: string;
    now?: Date;
    /** padlens jobs that deleted runs of this window: their runs are recorded with the job's completion time. */
    jobs?: ReadonlyArray<{ jobId: string; completedOn: string | null; runIds: readonly string[] }>;
}

export interface ReconcileResult extends Reconciliation {
    /** Runs found deleted by this reconciliation (not recorded before). */
    deleted: string[];
}

const iso = (value: string): string => new Date(value).toISOString();

/**
 * Which archived runs of a createdon window Dataverse no longer has: lists the window's run ids (ids
 * only) and records every stored run of the window that is not among them as deleted, with when. A run
 * recorded as deleted that is listed again (restored) loses its mark. Nothing is written if the listing
 * fails part-way, so a partial listing never marks a run deleted.
 */
export async function reconcileDeletions(client: DataverseClient, store: RawStore, env: string, options: ReconcileOptions): Promise<ReconcileResult> {
    const now = options.now ?? new Date();
    const from = Date.parse(options.from);
    const to = Date.parse(options.to);
    const listed = new Set<string>();
    const path = `flowsessions?$select=flowsessionid,createdon&$filter=createdon ge ${iso(options.from)} and createdon lt ${iso(options.to)}&$orderby=createdon asc,flowsessionid asc`;
    for await (const page of client.pages(path, {}, "flowsessions (deletion reconciliation)")) {
        for (const row of page) {
            const id = parseGuid(row.flowsessionid);
            if (id) listed.add(id);
        }
    }
    const stored: string[] = [];
    for (const runId of await store.listRunIds(env)) {
        const run = await store.readRun(env, runId);
        const created = Date.parse(String(run?.row.createdon));
        if (created >= from && created < to) stored.push(runId);
    }
    const file = await readDeletions(store, env);
    const byJob = new Map<string, { jobId: string; completedOn: string | null }>();
    for (const job of options.jobs ?? []) for (const id of job.runIds) byJob.set(id, job);
    const deleted: string[] = [];
    let restored = 0;
    for (const runId of stored) {
        const mark = file.runs[runId];
        if (listed.has(runId)) {
            if (mark) {
                delete file.runs[runId];
                restored++;
            }
            continue;
        }
        const job = byJob.get(runId);
        // A run first noticed by a plain reconciliation and later known to be a padlens job's gets the job's time.
        if (mark && !(job && mark.by === "reconciliation")) continue;
        file.runs[runId] = {
            deletedOn: job?.completedOn ? iso(job.completedOn) : (mark?.deletedOn ?? now.toISOString()),
            by: job ? `job ${job.jobId}` : "reconciliation",
        };
        if (!mark) deleted.push(runId);
    }
    const summary: Reconciliation = {
        at: now.toISOString(), from: iso(options.from), to: iso(options.to), listed: listed.size, stored: stored.length, newlyDeleted: deleted.length, restored,
    };
    file.lastReconciliation = summary;
    await writeDeletions(store, env, file);
    return { ...summary, deleted };
}

/** How often a pull compares all stored ids with Dataverse even when no bulk deletion job ran. */
export const RECONCILE_EVERY_DAYS = 7;
const EPOCH = "1900-01-01T00:00:00.000Z";

/**
 * For `padlens pull`, after its runs are stored: reconciles the whole stored history when a bulk deletion
 * job ran since the last reconciliation (padlens', the wizard's, anyone's), or when the last one is more
 * than RECONCILE_EVERY_DAYS old (single deletions by hand). Returns null when not due.
 */
export async function reconcileAfterPull(client: DataverseClient, store: RawStore, env: string, options: { now?: Date; everyDays?: number } = {}): Promise<ReconcileResult | null> {
    const now = options.now ?? new Date();
    const last = (await readDeletions(store, env)).lastReconciliation;
    const everyMs = (options.everyDays ?? RECONCILE_EVERY_DAYS) * 86_400_000;
    let due = !last || now.getTime() - Date.parse(last.at) >= everyMs;
    if (!due && last) {
        // A job touched since: a bulk deletion may have removed runs. Not readable (no Read on System Job): periodic only.
        const jobs = await client
            .getJson<{ value: unknown[] }>(`asyncoperations?$select=asyncoperationid&$filter=operationtype eq 13 and modifiedon ge ${iso(last.at)}&$top=1`, {}, "asyncoperations")
            .catch(() => ({ value: [] }));
        due = jobs.value.length > 0;
    }
    if (!due) return null;
    const jobs = (await readJobRecords(store, env))
        .filter((r) => r.state === "submitted" && r.jobId)
        .map((r) => ({ jobId: r.jobId!, completedOn: r.last?.completedOn ?? null, runIds: r.runIds }));
    return reconcileDeletions(client, store, env, { from: EPOCH, to: now.toISOString(), now, jobs });
}
