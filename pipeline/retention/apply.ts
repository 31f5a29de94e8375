import type { EnvironmentConfig, PadlensConfig } from "../config/config.js";
import type { DecodeOptions } from "../decode/action-record.js";
import type { RawStore } from "../store/raw-store.js";
import { newJobId, readJobRecords, writeJobRecord, type RetentionJobRecord } from "../store/retention-jobs.js";
import { planEnvironment, type EnvPlan, type RetentionRequest } from "./plan.js";
import { bulkDeleteBody, wouldDelete } from "./query.js";
import { findBulkDeleteJobByName, getBulkDeleteJob, PADLENS_JOB_PREFIX } from "./server-jobs.js";
import type { Session } from "./session.js";
import { submitBulkDelete } from "./submit.js";
import { observe } from "./observe.js";

export type ApplyOutcome =
    /** Without --yes: the request that would be sent; nothing written, nothing sent. */
    | "dry-run"
    | "submitted"
    | "nothing-to-delete"
    /** An earlier padlens job of this environment has not finished: no second one is sent meanwhile. */
    | "earlier-job-running"
    /** An earlier request's fate is still unknown (dry run, or the server could not say): nothing is sent. */
    | "earlier-request-unknown"
    | "refused"
    /** Sent, but no answer said whether the job exists; `status` finds it by name. */
    | "unknown"
    | "plan-failed";

export interface EnvApply {
    env: string;
    outcome: ApplyOutcome;
    plan: EnvPlan;
    /** The exact request (sent, or that would be sent). */
    request?: { method: "POST"; url: string; body: Record<string, unknown> };
    jobId?: string;
    recordId?: string;
    /** One line: what happened. */
    message: string;
    /** What was found out about earlier applies' requests. */
    earlier: string[];
}

export interface ApplyOptions {
    yes: boolean;
    now?: () => Date;
}

export function jobNameFor(env: string, id: string): string {
    return `${PADLENS_JOB_PREFIX} ${env} ${id}`;
}

/**
 * One environment's purge: one BulkDelete whose query can only match runs verified in the archive. The
 * job is recorded in the raw store before the request leaves and again after the answer, and earlier
 * records are settled first (a request whose answer was lost is looked up by its job name), so a killed
 * apply never leads to a second job while the first is unknown or still running.
 */
export async function applyEnvironment(
    config: PadlensConfig, env: EnvironmentConfig, store: RawStore, session: Session, request: RetentionRequest, decode: DecodeOptions, options: ApplyOptions,
): Promise<EnvApply> {
    const now = options.now ?? (() => new Date());
    const earlier: string[] = [];
    const settled = await settleEarlier(store, session, env.name, options.yes, earlier);
    const planned = await planEnvironment(config, env, store, session, request, decode);
    const plan = planned.plan;
    const result = (outcome: ApplyOutcome, message: string, extra: Partial<EnvApply> = {}): EnvApply => ({ env: env.name, outcome, plan, message, earlier, ...extra });
    if (!plan.ok) return result("plan-failed", plan.error ?? `${env.name}: the plan failed`);
    if (settled.blocking) return result(settled.blocking.outcome, settled.blocking.message);
    if (!plan.bounds || plan.deletable === 0) return result("nothing-to-delete", `${env.name}: nothing to delete (no verified run before the frontier ${plan.frontier})`);

    const id = newJobId();
    const jobName = jobNameFor(env.name, id);
    const body = bulkDeleteBody(plan.scope, plan.bounds, jobName, now().toISOString());
    const url = session.client.resolve("BulkDelete");
    // The request is irreversible: check it against every listed run rather than trust the frontier's proof.
    const matched = planned.candidates.filter((c) => wouldDelete(plan.scope, plan.bounds!, { createdon: c.createdOn, modifiedon: c.modifiedOn, statuscode: c.statusCode, _regardingobjectid_value: c.flowId }));
    const unverified = matched.filter((c) => planned.verdicts.get(c.runId)?.verified !== true);
    if (unverified.length > 0 || matched.length !== plan.deletable) {
        throw new Error(`${env.name}: refusing to submit: the query would match ${matched.length} runs (${unverified.length} not verified), the plan says ${plan.deletable}`);
    }
    const sent = { method: "POST" as const, url, body };
    if (!options.yes) return result("dry-run", `${env.name}: would delete ${plan.deletable} verified runs created before ${plan.frontier} (add --yes to submit)`, { request: sent });

    const record: RetentionJobRecord = {
        schemaVersion: 1, id, env: env.name, jobName, state: "submitting", createdAt: now().toISOString(), request: body,
        query: { olderThan: request.olderThan, cutoff: plan.scope.cutoff, frontier: plan.bounds.frontier, modifiedOnAtMost: plan.bounds.modifiedOnAtMost, statuses: plan.scope.statuses, flowIds: plan.scope.flowIds },
        counts: { matching: plan.matching, verified: plan.verified, toDelete: plan.deletable, blocked: plan.blocked },
        runIds: matched.map((c) => c.runId),
    };
    // Before the request: from here on a killed apply leaves a record the next one settles first.
    await writeJobRecord(store, record);
    const outcome = await submitBulkDelete(session.client, session.tokens, env.name, body, session.timeoutMs);
    if (outcome.kind === "accepted") {
        await writeJobRecord(store, { ...record, state: "submitted", jobId: outcome.jobId, submittedAt: now().toISOString() });
        return result("submitted", `${env.name}: submitted bulk deletion job ${outcome.jobId} for ${plan.deletable} verified runs created before ${plan.frontier}`, { request: sent, jobId: outcome.jobId, recordId: id });
    }
    if (outcome.kind === "refused") {
        await writeJobRecord(store, { ...record, state: "not-submitted", error: outcome.message });
        return result("refused", outcome.message, { request: sent, recordId: id });
    }
    // No answer either way: ask the server whether the job exists, now rather than at the next apply.
    const found = await findBulkDeleteJobByName(session.client, jobName).catch(() => undefined);
    if (found) {
        await writeJobRecord(store, { ...record, state: "submitted", jobId: found.jobId, submittedAt: now().toISOString() });
        return result("submitted", `${env.name}: submitted bulk deletion job ${found.jobId} for ${plan.deletable} verified runs (its answer was lost: found by name)`, { request: sent, jobId: found.jobId, recordId: id });
    }
    if (found === null) {
        await writeJobRecord(store, { ...record, state: "not-submitted", error: outcome.message });
        return result("refused", `${outcome.message}; no job of that name exists, nothing was deleted`, { request: sent, recordId: id });
    }
    return result("unknown", `${outcome.message}; whether the job exists is not known yet: padlens retention status finds it`, { request: sent, recordId: id });
}

interface Settled {
    blocking?: { outcome: ApplyOutcome; message: string };
}

/**
 * Earlier padlens jobs of the environment: a request whose answer never came is looked up by name
 * (found: submitted; not found: nothing was submitted), and a submitted job that has not finished stops
 * this apply. Records are only updated with --yes (a dry run writes nothing).
 */
async function settleEarlier(store: RawStore, session: Session, env: string, write: boolean, lines: string[]): Promise<Settled> {
    const settled: Settled = {};
    for (const record of await readJobRecords(store, env)) {
        if (record.state === "submitting") {
            const found = await findBulkDeleteJobByName(session.client, record.jobName);
            const next: RetentionJobRecord = found
                ? { ...record, state: "submitted", jobId: found.jobId, submittedAt: found.createdOn ?? record.createdAt }
                : { ...record, state: "not-submitted", error: "the request never reached Dataverse: no job of that name exists" };
            lines.push(found ? `${env}: an earlier apply's job ${found.jobId} was found by name (its answer had been lost)` : `${env}: an earlier apply's request never reached Dataverse (no job named '${record.jobName}')`);
            if (write) await writeJobRecord(store, next);
            else if (found) settled.blocking ??= { outcome: "earlier-request-unknown", message: `${env}: an earlier apply's job ${found.jobId} is not recorded yet: run with --yes or padlens retention status first` };
            if (!found) continue;
            Object.assign(record, next);
        }
        if (record.state !== "submitted" || !record.jobId) continue;
        if (record.last && record.last.statecode === 3) continue;
        const job = await getBulkDeleteJob(session.client, record.jobId);
        if (job && write) await writeJobRecord(store, { ...record, last: observe(job) });
        if (job && !job.done) {
            settled.blocking ??= { outcome: "earlier-job-running", message: `${env}: bulk deletion job ${record.jobId} (submitted ${record.submittedAt ?? record.createdAt}) is ${job.status}: no new job until it ends (padlens retention status)` };
        }
    }
    return settled;
}
