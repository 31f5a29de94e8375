import type { EnvironmentConfig } from "../config/config.js";
import type { RawStore } from "../store/raw-store.js";
import { readJobRecords, writeJobRecord, type RetentionJobRecord } from "../store/retention-jobs.js";
import { observe } from "./observe.js";
import { recurringJobWarnings } from "./plan.js";
import { reconcileDeletions } from "./reconcile.js";
import { findBulkDeleteJobByName, getBulkDeleteJob, JOB_STATUS, listBulkDeleteJobs, type ServerJob } from "./server-jobs.js";
import type { Session } from "./session.js";

export interface JobStatus {
    env: string;
    recordId: string;
    jobName: string;
    jobId: string | null;
    /** The record's state: submitted, not-submitted, or submitting (answer lost and not found yet). */
    recorded: RetentionJobRecord["state"];
    createdAt: string;
    frontier: string;
    /** Runs the job was planned to delete. */
    expected: number;
    /** Label of the job's statuscode; `not found` when Dataverse has no such job. */
    status: string;
    done: boolean;
    successCount: number | null;
    failureCount: number | null;
    message: string | null;
    completedOn: string | null;
    /** Runs of its window found gone and recorded as deleted by this status (the first time it is seen done). */
    newlyRecordedDeleted: number | null;
    /** One line when the job did not do all it was asked to (failed, canceled, failures). */
    problem?: string;
}

export interface EnvStatus {
    env: string;
    ok: boolean;
    error?: string;
    jobs: JobStatus[];
    /** Bulk deletion jobs on flow sessions that padlens did not submit. */
    otherJobs: ServerJob[];
    warnings: string[];
}

const SUCCEEDED = 30;

/**
 * Follows every job padlens recorded for an environment through asyncoperation (state and status) and
 * bulkdeleteoperation (success and failure counts), settles requests whose answer was lost (by job name),
 * and once a job is done records the runs it removed as deleted (deletions.ts), so the next build marks
 * them. Lists the other bulk deletion jobs on flow sessions too, loudly for recurring ones.
 */
export async function statusEnvironment(env: EnvironmentConfig, store: RawStore, session: Session, options: { now?: () => Date } = {}): Promise<EnvStatus> {
    const now = options.now ?? (() => new Date());
    const result: EnvStatus = { env: env.name, ok: true, jobs: [], otherJobs: [], warnings: [] };
    try {
        for (const record of await readJobRecords(store, env.name)) result.jobs.push(await follow(store, session, record, now));
        try {
            const jobs = await listBulkDeleteJobs(session.client);
            result.otherJobs = jobs.filter((j) => !j.byPadlens && j.onFlowSessions !== false);
            result.warnings.push(...recurringJobWarnings(env.name, jobs, 0));
        } catch (error) {
            result.warnings.push(`${env.name}: other bulk deletion jobs not listed: ${(error as Error).message}`);
        }
    } catch (error) {
        result.ok = false;
        const message = (error as Error).message;
        result.error = message.startsWith(`${env.name}:`) ? message : `${env.name}: ${message}`;
    }
    return result;
}

async function follow(store: RawStore, session: Session, record: RetentionJobRecord, now: () => Date): Promise<JobStatus> {
    let current = record;
    if (current.state === "submitting") {
        const found = await findBulkDeleteJobByName(session.client, current.jobName);
        current = found
            ? { ...current, state: "submitted", jobId: found.jobId, submittedAt: found.createdOn ?? current.createdAt }
            : { ...current, state: "not-submitted", error: "the request never reached Dataverse: no job of that name exists" };
        await writeJobRecord(store, current);
    }
    const base: JobStatus = {
        env: current.env, recordId: current.id, jobName: current.jobName, jobId: current.jobId ?? null, recorded: current.state, createdAt: current.createdAt,
        frontier: current.query.frontier, expected: current.counts.toDelete, status: current.state === "not-submitted" ? "not submitted" : "unknown",
        done: current.state === "not-submitted", successCount: null, failureCount: null, message: current.error ?? null, completedOn: null, newlyRecordedDeleted: null,
    };
    if (current.state !== "submitted" || !current.jobId) return base;
    const job = await getBulkDeleteJob(session.client, current.jobId);
    if (!job) {
        // System jobs are cleaned up after a while; what was last seen stays in the record.
        const last = current.last;
        return {
            ...base, status: last?.statuscode != null ? `${JOB_STATUS[last.statuscode] ?? last.statuscode} (last seen ${last.checkedAt}; no longer in Dataverse)` : "not found in Dataverse",
            done: last?.statecode === 3, successCount: last?.successCount ?? null, failureCount: last?.failureCount ?? null, message: last?.message ?? null, completedOn: last?.completedOn ?? null,
        };
    }
    current = { ...current, last: observe(job, now()) };
    let newly: number | null = null;
    if (job.done && !current.reconciledAt) {
        const from = await earliestCreated(store, current);
        if (from) {
            const r = await reconcileDeletions(session.client, store, current.env, {
                from, to: current.query.frontier, now: now(), jobs: [{ jobId: current.jobId!, completedOn: job.completedOn, runIds: current.runIds }],
            });
            newly = r.newlyDeleted;
        }
        current = { ...current, reconciledAt: now().toISOString() };
    }
    await writeJobRecord(store, current);
    const status: JobStatus = {
        ...base, status: job.status, done: job.done, successCount: job.successCount, failureCount: job.failureCount, message: job.message, completedOn: job.completedOn,
        newlyRecordedDeleted: newly,
    };
    status.problem = problemOf(status);
    return status;
}

/** The oldest createdon among the runs the job was to delete, from the archive (they are all stored). */
async function earliestCreated(store: RawStore, record: RetentionJobRecord): Promise<string | null> {
    let min = Number.POSITIVE_INFINITY;
    for (const id of record.runIds) {
        const run = await store.readRun(record.env, id);
        const t = Date.parse(String(run?.row.createdon));
        if (Number.isFinite(t)) min = Math.min(min, t);
    }
    return Number.isFinite(min) ? new Date(min).toISOString() : null;
}

function problemOf(s: JobStatus): string | undefined {
    if (!s.done) return undefined;
    const counts = `deleted ${s.successCount ?? "?"} of ${s.expected} runs, ${s.failureCount ?? "?"} failed`;
    if (s.status === "failed" || s.status === "canceled") return `${s.env}: bulk deletion job ${s.jobId} ${s.status} part-way: ${counts}${s.message ? `: ${s.message}` : ""}`;
    if (s.status === JOB_STATUS[SUCCEEDED] && (s.failureCount ?? 0) > 0) return `${s.env}: bulk deletion job ${s.jobId} succeeded with failures: ${counts}`;
    return undefined;
}
