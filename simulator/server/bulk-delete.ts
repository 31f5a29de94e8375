import type { DataverseRow, SampleEnvironment } from "../sample/model.js";
import { stableGuid, type DataverseResult } from "./dataverse.js";
import { ENTITIES } from "./entities.js";
import { ODataError, badQuery } from "./odata-errors.js";
import { filterPredicate, toFetchXml, type QueryExpression, type RowPredicate } from "./query-expression.js";

/**
 * Dataverse's bulk deletion, for flow sessions: the `BulkDelete` action submits a system job
 * (`asyncoperation`, operationtype 13, its id is the JobId) and a `bulkdeleteoperation` that counts what
 * it deleted. The job waits, runs, and ends Succeeded (30), Failed (31) or Canceled (32), as the admin
 * center's Bulk Record Deletion grid shows it. A job deletes only rows that exist (created no later
 * than) when it starts, matching any query of its QuerySet; deleting a flow session removes its
 * workflowbinary rows too (workflow-binaries.ts derives them from the runs served).
 *
 * Jobs advance lazily, from the simulator's clock (skewClock moves it), whenever a request arrives or a
 * timer fires: no background thread is needed to observe Waiting, In Progress and the end.
 */
export interface BulkDeleteTiming {
    /** From submission (or StartDateTime, when later) to the job starting (ms). */
    startDelayMs: number;
    /** From start to completion (ms): the job shows In Progress meanwhile. */
    durationMs: number;
}

export interface SimulatedBulkDeleteJob {
    env: string;
    jobId: string;
    name: string;
    querySet: QueryExpression[];
    recurrence: string;
    /** What the job has done so far, all occurrences of a recurring job together. */
    deleted: string[];
    /** Rows it matched but did not delete (a failed job). */
    failed: string[];
    asyncoperation: DataverseRow;
    bulkdeleteoperation: DataverseRow;
}

interface Job extends SimulatedBulkDeleteJob {
    predicate: RowPredicate;
    startAt: number;
    finishAt?: number;
    phase: "waiting" | "running" | "done";
    /** Set at start: the outcome shown when the job completes. */
    outcome?: { status: 30 | 31; message: string | null };
}

/** asyncoperation/bulkdeleteoperation statecode and statuscode (the same codes in both tables). */
const STATE = { ready: 0, suspended: 1, locked: 2, completed: 3 } as const;
const STATUS = { waitingForResources: 0, waiting: 10, inProgress: 20, succeeded: 30, failed: 31, canceled: 32 } as const;
const BULK_DELETE = 13;

const iso = (ms: number): string => new Date(ms).toISOString();

export class BulkDeleteService {
    private readonly jobs: Job[] = [];
    private timer: NodeJS.Timeout | undefined;

    constructor(
        private readonly now: () => number,
        private readonly options: {
            timing: () => BulkDeleteTiming;
            /** True when jobs are to fail half-way (fault profile `bulkdelete-partial`). */
            partial: () => boolean;
            /** Environments by name, as served now. */
            environment: (name: string) => SampleEnvironment | undefined;
        },
    ) {}

    /**
     * `POST BulkDelete`: validates the request as Dataverse does (a QuerySet, a JobName, known attributes
     * and operators), checks the caller may bulk-delete and delete flow sessions, and answers the JobId.
     */
    submit(env: SampleEnvironment, envUrl: string, body: Buffer, caller: { userId: string; denied: ReadonlySet<string> }): DataverseResult {
        requirePrivilege(caller, "prvBulkDelete", undefined);
        let request: Record<string, unknown>;
        try {
            request = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        } catch {
            throw badQuery("The request body is not valid JSON.");
        }
        if (request === null || typeof request !== "object") throw badQuery("The request body must be a JSON object.");
        const querySet = request.QuerySet;
        if (!Array.isArray(querySet) || querySet.length === 0) throw badQuery("BulkDelete requires a QuerySet with at least one QueryExpression.");
        if (typeof request.JobName !== "string" || request.JobName.trim() === "") throw badQuery("BulkDelete requires a JobName.");
        const known = knownFlowSessionColumn(env);
        const predicates = (querySet as QueryExpression[]).map((q) => {
            if (!q || typeof q.EntityName !== "string") throw badQuery("Each QueryExpression needs an EntityName.");
            if (q.EntityName.toLowerCase() !== "flowsession") {
                throw badQuery(`The padlens simulator's BulkDelete only deletes flowsession rows, not '${q.EntityName}'.`);
            }
            requirePrivilege(caller, "prvDeleteflowsession", "flowsession");
            return filterPredicate(q.Criteria, "flowsession", known, this.now);
        });
        const submitted = this.now();
        const start = request.StartDateTime === undefined || request.StartDateTime === null ? submitted : Date.parse(String(request.StartDateTime));
        if (Number.isNaN(start)) throw badQuery(`StartDateTime '${String(request.StartDateTime)}' is not a date and time.`);
        const recurrence = typeof request.RecurrencePattern === "string" ? request.RecurrencePattern : "";
        if (recurrence && !/^FREQ=DAILY;INTERVAL=\d+;?$/i.test(recurrence)) throw badQuery(`RecurrencePattern '${recurrence}' is not supported (FREQ=DAILY;INTERVAL=n).`);
        const jobId = stableGuid(`bulkdelete:${env.name}:${this.jobs.length}:${submitted}:${request.JobName}`);
        const startAt = Math.max(start, submitted + this.options.timing().startDelayMs);
        const job: Job = {
            env: env.name, jobId, name: request.JobName, querySet: querySet as QueryExpression[], recurrence,
            deleted: [], failed: [], predicate: (row) => predicates.some((p) => p(row)), startAt, phase: "waiting",
            asyncoperation: {
                asyncoperationid: jobId, name: request.JobName, operationtype: BULK_DELETE, statecode: STATE.ready, statuscode: STATUS.waitingForResources,
                message: null, friendlymessage: null, createdon: iso(submitted), modifiedon: iso(submitted), startedon: null, completedon: null,
                postponeuntil: iso(startAt), recurrencepattern: recurrence || null, recurrencestarttime: recurrence ? iso(startAt) : null,
                _ownerid_value: caller.userId, _regardingobjectid_value: null,
            },
            bulkdeleteoperation: {
                bulkdeleteoperationid: stableGuid(`bulkdeleteoperation:${jobId}`), name: request.JobName, _asyncoperationid_value: jobId,
                statecode: STATE.ready, statuscode: STATUS.waitingForResources, successcount: 0, failurecount: 0, isrecurring: recurrence !== "",
                nextrun: recurrence ? iso(startAt) : null, processingqeindex: 0,
                orderedquerysetxml: (querySet as QueryExpression[]).map(toFetchXml).join(""),
                createdon: iso(submitted), modifiedon: iso(submitted), _createdby_value: caller.userId, _ownerid_value: caller.userId,
            },
        };
        this.jobs.push(job);
        this.schedule();
        return {
            status: 200,
            headers: { "content-type": "application/json; odata.metadata=minimal", "odata-version": "4.0" },
            body: Buffer.from(JSON.stringify({ "@odata.context": `${envUrl}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.BulkDeleteResponse`, JobId: jobId })),
            kind: "bulkdelete",
        };
    }

    /** Moves every job along to the simulator's current time. */
    tick(): void {
        const now = this.now();
        for (const job of this.jobs) {
            if (job.phase === "waiting" && now >= job.startAt) this.start(job, now);
            if (job.phase === "running" && job.finishAt !== undefined && now >= job.finishAt) this.finish(job, now);
        }
        this.schedule();
    }

    /** Rows of `asyncoperations` / `bulkdeleteoperations` for an environment (only bulk deletion jobs exist here). */
    rows(env: string, set: "asyncoperations" | "bulkdeleteoperations"): DataverseRow[] {
        this.tick();
        return this.jobs.filter((j) => j.env === env).map((j) => (set === "asyncoperations" ? j.asyncoperation : j.bulkdeleteoperation));
    }

    list(): SimulatedBulkDeleteJob[] {
        this.tick();
        return this.jobs.map(({ env, jobId, name, querySet, recurrence, deleted, failed, asyncoperation, bulkdeleteoperation }) => ({
            env, jobId, name, querySet, recurrence, deleted: [...deleted], failed: [...failed], asyncoperation: { ...asyncoperation }, bulkdeleteoperation: { ...bulkdeleteoperation },
        }));
    }

    close(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
    }

    private start(job: Job, now: number): void {
        const env = this.options.environment(job.env);
        // Only rows that exist when the job starts: created no later than now, and matching now.
        const matched = (env?.flowsessions ?? [])
            .filter((row) => Date.parse(String(row.createdon)) <= now && job.predicate(row))
            .sort((a, b) => String(a.createdon).localeCompare(String(b.createdon)) || String(a.flowsessionid).localeCompare(String(b.flowsessionid)));
        const partial = this.options.partial() && matched.length > 0;
        const deleting = partial ? matched.slice(0, Math.floor(matched.length / 2)) : matched;
        const ids = new Set(deleting.map((r) => String(r.flowsessionid).toLowerCase()));
        // The array is replaced, not spliced: generators and test fixtures index their own copy by position.
        if (env) env.flowsessions = env.flowsessions.filter((r) => !ids.has(String(r.flowsessionid).toLowerCase()));
        job.deleted.push(...ids);
        const failed = partial ? matched.slice(deleting.length).map((r) => String(r.flowsessionid).toLowerCase()) : [];
        job.failed.push(...failed);
        job.phase = "running";
        job.finishAt = now + this.options.timing().durationMs;
        job.outcome = partial
            ? { status: STATUS.failed, message: `The bulk deletion job stopped after deleting ${ids.size} of ${matched.length} records: SQL timeout expired (simulated fault bulkdelete-partial).` }
            : { status: STATUS.succeeded, message: null };
        const bulk = job.bulkdeleteoperation;
        bulk.successcount = Number(bulk.successcount) + ids.size;
        bulk.failurecount = Number(bulk.failurecount) + failed.length;
        for (const row of [job.asyncoperation, bulk]) {
            row.statecode = STATE.locked;
            row.statuscode = STATUS.inProgress;
            row.modifiedon = iso(now);
        }
        job.asyncoperation.startedon = iso(now);
        if (now >= job.finishAt) this.finish(job, now);
    }

    private finish(job: Job, now: number): void {
        const outcome = job.outcome ?? { status: STATUS.succeeded, message: null };
        const interval = /INTERVAL=(\d+)/i.exec(job.recurrence);
        const async = job.asyncoperation;
        const bulk = job.bulkdeleteoperation;
        if (interval && outcome.status === STATUS.succeeded) {
            // A recurring job goes back to Waiting until its next run, deleting whatever matches then.
            const next = job.startAt + Number(interval[1]) * 86_400_000;
            job.startAt = next <= now ? now + Number(interval[1]) * 86_400_000 : next;
            job.phase = "waiting";
            job.finishAt = undefined;
            for (const row of [async, bulk]) {
                row.statecode = STATE.suspended;
                row.statuscode = STATUS.waiting;
                row.modifiedon = iso(now);
            }
            async.postponeuntil = iso(job.startAt);
            bulk.nextrun = iso(job.startAt);
            return;
        }
        job.phase = "done";
        for (const row of [async, bulk]) {
            row.statecode = STATE.completed;
            row.statuscode = outcome.status;
            row.modifiedon = iso(now);
        }
        async.completedon = iso(now);
        async.message = outcome.message;
        async.friendlymessage = outcome.message;
    }

    /** A timer for the next due job, so jobs finish even when nobody asks; unref'd: it never keeps a process alive. */
    private schedule(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        const now = this.now();
        const due = this.jobs.flatMap((j) => (j.phase === "waiting" ? [j.startAt] : j.phase === "running" && j.finishAt !== undefined ? [j.finishAt] : []));
        if (due.length === 0) return;
        const wait = Math.max(0, Math.min(...due) - now);
        // Far-off recurrences are left to requests and skewClock.
        if (wait > 60_000) return;
        this.timer = setTimeout(() => this.tick(), wait + 1);
        this.timer.unref();
    }
}

function knownFlowSessionColumn(env: SampleEnvironment): (column: string) => boolean {
    const known = new Set([...ENTITIES.flowsessions.columns, "_createdby_value", "_modifiedby_value", "overriddencreatedon"]);
    for (const row of env.flowsessions.slice(0, 50)) for (const k of Object.keys(row)) if (!k.startsWith("__")) known.add(k);
    return (column) => known.has(column);
}

/** The 403 Dataverse answers a principal without the privilege, naming it (and the table, for a table privilege). */
function requirePrivilege(caller: { userId: string; denied: ReadonlySet<string> }, privilege: string, table: string | undefined): void {
    if (!caller.denied.has(privilege)) return;
    const id = stableGuid(privilege);
    const where = table ? ` on OTC=${table === "flowsession" ? 10297 : 10000} for entity '${table}'` : "";
    throw new ODataError(403, "0x80040220",
        `Principal user (Id=${caller.userId}, type=8, roleCount=1, privilegeCount=312, accessMode=4), is missing ${privilege} privilege (Id=${id})${where}. context.Caller=${caller.userId}. Consider assigning a role with the required access level to the user or team.`);
}
