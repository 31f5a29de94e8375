import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isAtomicWriteLeftover, writeFileAtomic } from "../util/atomic-write.js";
import type { RawStore } from "./raw-store.js";

/**
 * The record of every bulk deletion padlens asked Dataverse for, beside the raw store it was verified
 * against (docs/retention.md):
 *
 *   <out>/raw/<env>/retention/jobs/<id>.json
 *
 * A record is written before the BulkDelete request leaves (`submitting`, with the exact request) and
 * again once Dataverse answered (`submitted`, with its JobId), each time atomically. So whatever moment
 * `retention apply` is killed at, the next apply or status finds the record: a `submitting` one is looked
 * up on the server by its job name (unique: it carries the record's id) before anything else is sent,
 * which is what keeps a killed apply from ever submitting twice.
 */
export type JobRecordState =
    /** Written before the request; the outcome is unknown until the server is asked. */
    | "submitting"
    /** Dataverse accepted it: `jobId` is the asyncoperation. */
    | "submitted"
    /** The server answered with an error, or has no job of that name: nothing was submitted. */
    | "not-submitted";

/** What `retention status` last saw of the job in asyncoperation and bulkdeleteoperation. */
export interface JobObservation {
    checkedAt: string;
    statecode: number | null;
    statuscode: number | null;
    successCount: number | null;
    failureCount: number | null;
    message: string | null;
    startedOn: string | null;
    completedOn: string | null;
}

export interface RetentionJobRecord {
    schemaVersion: 1;
    /** Random hex; part of the file name and of the job name. */
    id: string;
    env: string;
    jobName: string;
    state: JobRecordState;
    createdAt: string;
    submittedAt?: string;
    jobId?: string;
    /** The exact BulkDelete body sent. */
    request: Record<string, unknown>;
    /** The bounds the request was built from. */
    query: {
        olderThan: string;
        cutoff: string;
        frontier: string;
        modifiedOnAtMost: string;
        statuses: number[];
        flowIds: string[];
    };
    counts: { matching: number; verified: number; toDelete: number; blocked: number };
    /** The runs the query matched when it was planned (all verified): what the job is expected to delete. */
    runIds: string[];
    /** Why nothing was submitted (state `not-submitted`). */
    error?: string;
    last?: JobObservation;
    /** Set once the runs the job deleted were recorded as deleted (deletions.ts). */
    reconciledAt?: string;
}

const ID = /^[0-9a-f]{16}$/;

function jobsDir(store: RawStore, env: string): string {
    return path.join(store.envDir(env), "retention", "jobs");
}

function jobFile(store: RawStore, env: string, id: string): string {
    if (!ID.test(id)) throw new Error(`refusing retention job id '${id}': not 16 hex digits`);
    return path.join(jobsDir(store, env), `${id}.json`);
}

export function newJobId(): string {
    return randomBytes(8).toString("hex");
}

export async function writeJobRecord(store: RawStore, record: RetentionJobRecord): Promise<void> {
    await writeFileAtomic(jobFile(store, record.env, record.id), JSON.stringify(record, null, 2));
}

/** Every job record of an environment, oldest first; leftovers of killed writes are ignored. */
export async function readJobRecords(store: RawStore, env: string): Promise<RetentionJobRecord[]> {
    const names = await readdir(jobsDir(store, env)).catch(() => [] as string[]);
    const records: RetentionJobRecord[] = [];
    for (const name of names) {
        if (isAtomicWriteLeftover(name) || !name.endsWith(".json") || !ID.test(name.slice(0, -5))) continue;
        const text = await readFile(path.join(jobsDir(store, env), name), "utf8").catch(() => null);
        if (text) records.push(JSON.parse(text) as RetentionJobRecord);
    }
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}
