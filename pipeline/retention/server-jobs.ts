import type { DataverseClient, Row } from "../extract/dataverse-client.js";
import { keyed } from "../extract/dataverse-client.js";
import { parseGuid } from "../util/ids.js";

/**
 * Bulk deletion jobs as Dataverse keeps them: the system job (`asyncoperation`, operationtype 13 Bulk
 * Delete, whose id is the JobId BulkDelete answers) and its `bulkdeleteoperation` (success and failure
 * counts, recurrence, the query as FetchXML).
 */
export interface ServerJob {
    jobId: string;
    name: string;
    statecode: number | null;
    statuscode: number | null;
    /** Label of statuscode: waiting, in progress, succeeded, failed, canceled ... */
    status: string;
    /** Finished for good: Completed (statecode 3). A recurring job never is. */
    done: boolean;
    recurring: boolean;
    recurrence: string | null;
    nextRun: string | null;
    createdOn: string | null;
    startedOn: string | null;
    completedOn: string | null;
    message: string | null;
    successCount: number | null;
    failureCount: number | null;
    /** Whether its query deletes flow sessions; null when the bulkdeleteoperation was not readable. */
    onFlowSessions: boolean | null;
    /** Submitted by padlens retention (its job names start with PADLENS_JOB_PREFIX). */
    byPadlens: boolean;
}

export const PADLENS_JOB_PREFIX = "padlens retention";
const BULK_DELETE = 13;
const COMPLETED = 3;

export const JOB_STATUS: Record<number, string> = {
    0: "waiting for resources", 10: "waiting", 20: "in progress", 21: "pausing", 22: "canceling", 30: "succeeded", 31: "failed", 32: "canceled",
};

const ASYNC_COLUMNS = "asyncoperationid,name,statecode,statuscode,recurrencepattern,postponeuntil,createdon,startedon,completedon,message,friendlymessage";
const BULK_COLUMNS = "bulkdeleteoperationid,_asyncoperationid_value,name,successcount,failurecount,isrecurring,nextrun,orderedquerysetxml";

const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

function toJob(async: Row, bulk: Row | undefined): ServerJob | undefined {
    const jobId = parseGuid(async.asyncoperationid);
    if (!jobId) return undefined;
    const statuscode = num(async.statuscode);
    const recurrence = str(async.recurrencepattern);
    const xml = str(bulk?.orderedquerysetxml);
    const name = str(async.name) ?? "";
    return {
        jobId, name, statecode: num(async.statecode), statuscode,
        status: statuscode === null ? "unknown" : (JOB_STATUS[statuscode] ?? `status ${statuscode}`),
        done: num(async.statecode) === COMPLETED,
        recurring: recurrence !== null || bulk?.isrecurring === true,
        recurrence, nextRun: str(bulk?.nextrun) ?? str(async.postponeuntil),
        createdOn: str(async.createdon), startedOn: str(async.startedon), completedOn: str(async.completedon),
        message: str(async.friendlymessage) ?? str(async.message),
        successCount: num(bulk?.successcount), failureCount: num(bulk?.failurecount),
        onFlowSessions: xml === null ? null : /<entity\s+name=["']flowsession["']/i.test(xml),
        byPadlens: name.startsWith(PADLENS_JOB_PREFIX),
    };
}

async function bulkOperations(client: DataverseClient, filter: string): Promise<Map<string, Row>> {
    const rows = await client.all(`bulkdeleteoperations?$select=${BULK_COLUMNS}&$filter=${filter}`, {}, "bulkdeleteoperations");
    return new Map(rows.map((r) => [String(r._asyncoperationid_value ?? "").toLowerCase(), r]));
}

/** Every bulk deletion job of the environment, newest first. */
export async function listBulkDeleteJobs(client: DataverseClient): Promise<ServerJob[]> {
    const asyncs = await client.all(`asyncoperations?$select=${ASYNC_COLUMNS}&$filter=operationtype eq ${BULK_DELETE}&$orderby=createdon desc`, {}, "asyncoperations (bulk deletion jobs)");
    const bulks = asyncs.length ? await bulkOperations(client, "_asyncoperationid_value ne null").catch(() => new Map<string, Row>()) : new Map<string, Row>();
    return asyncs.map((a) => toJob(a, bulks.get(String(a.asyncoperationid ?? "").toLowerCase()))).filter((j): j is ServerJob => j !== undefined);
}

/** One job by its JobId, or null when Dataverse has none (deleted by the system job cleanup, or never created). */
export async function getBulkDeleteJob(client: DataverseClient, jobId: string): Promise<ServerJob | null> {
    const r = await client.get(`${keyed("asyncoperations", jobId)}?$select=${ASYNC_COLUMNS}`, { accept: "application/json" }, `bulk deletion job ${jobId}`);
    if (r.status === 404) return null;
    if (r.status >= 300) throw new Error(`bulk deletion job ${jobId}: HTTP ${r.status}`);
    const async = JSON.parse(r.body.toString("utf8")) as Row;
    const bulks = await bulkOperations(client, `_asyncoperationid_value eq ${jobId}`);
    return toJob(async, bulks.get(jobId)) ?? null;
}

/** The job a BulkDelete with this name created, if any: how a killed apply finds out whether its request landed. */
export async function findBulkDeleteJobByName(client: DataverseClient, name: string): Promise<ServerJob | null> {
    if (/['\\]/.test(name)) throw new Error(`job name ${name} cannot be looked up`);
    const rows = await client.all(`asyncoperations?$select=${ASYNC_COLUMNS}&$filter=operationtype eq ${BULK_DELETE} and name eq '${name}'`, {}, "asyncoperations (bulk deletion job by name)");
    if (rows.length === 0) return null;
    const jobId = parseGuid(rows[0].asyncoperationid);
    const bulks = jobId ? await bulkOperations(client, `_asyncoperationid_value eq ${jobId}`) : new Map<string, Row>();
    return toJob(rows[0], jobId ? bulks.get(jobId) : undefined) ?? null;
}
