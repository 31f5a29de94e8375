import type { EnvironmentConfig, PadlensConfig } from "../config/config.js";
import type { DecodeOptions } from "../decode/action-record.js";
import type { Row } from "../extract/dataverse-client.js";
import { logSettingsOf, ttlWarnings } from "../pull/log-plan.js";
import type { RawStore } from "../store/raw-store.js";
import { parseGuid } from "../util/ids.js";
import { archiveStatus, BLOCKER_LABELS, type ArchiveVerdict, type Blocker } from "./archive-status.js";
import { listCandidates } from "./candidates.js";
import { estimateCapacity, type CapacityEstimate } from "./capacity.js";
import { verifiedFrontier, type Candidate } from "./frontier.js";
import type { DeletionBounds, RetentionScope } from "./query.js";
import { resolveFlows } from "./scope-options.js";
import { listBulkDeleteJobs, type ServerJob } from "./server-jobs.js";
import type { Session } from "./session.js";

/** What the user asked for, before it is resolved per environment. */
export interface RetentionRequest {
    olderThan: string;
    cutoff: string;
    statuses: number[];
    /** --flow values: names or ids, resolved per environment. */
    flows: string[];
}

export interface BlockerSummary {
    reason: Blocker;
    label: string;
    count: number;
    /** The oldest few run ids it holds back. */
    sample: string[];
}

export interface FlowPlan {
    flowId: string | null;
    flowName: string | null;
    matching: number;
    verified: number;
    deletable: number;
    blocked: number;
    v1Bytes: number;
    workflowBinaries: number;
}

export interface EnvPlan {
    env: string;
    ok: boolean;
    error?: string;
    scope: RetentionScope;
    /** --flow values naming no flow of this environment (nothing of theirs is in scope here). */
    unknownFlows: string[];
    /** Runs the scope matches in Dataverse (Dataverse's own filter). */
    matching: number;
    verified: number;
    /** Verified only because their undecodable log's raw bytes are kept (no actions in Parquet). */
    verifiedQuarantined: number;
    blocked: number;
    blockers: BlockerSummary[];
    /** Every matching run created before this is verified (ISO UTC, ms); null when the plan failed. */
    frontier: string | null;
    /** Runs a purge bounded by the frontier deletes. */
    deletable: number;
    bounds: DeletionBounds | null;
    byFlow: FlowPlan[];
    capacity: CapacityEstimate | null;
    flowlog: { logVersion: number; ttlMinutes: number; note: string };
    /** Bulk deletion jobs already in the environment. */
    jobs: ServerJob[];
    warnings: string[];
    notes: string[];
}

/** The plan plus what apply needs to check its request against (not part of the printed plan). */
export interface PlannedEnvironment {
    plan: EnvPlan;
    candidates: Candidate[];
    verdicts: Map<string, ArchiveVerdict>;
}

const SAMPLE = 5;

function emptyPlan(env: string, scope: RetentionScope): EnvPlan {
    return {
        env, ok: true, scope, unknownFlows: [], matching: 0, verified: 0, verifiedQuarantined: 0, blocked: 0, blockers: [], frontier: scope.cutoff,
        deletable: 0, bounds: null, byFlow: [], capacity: null, flowlog: { logVersion: 0, ttlMinutes: 0, note: "" }, jobs: [], warnings: [], notes: [],
    };
}

/**
 * Plans one environment, reading only: counts the runs the scope matches in Dataverse, verifies each
 * against the archive, computes the verified frontier, estimates what a purge frees, and lists the bulk
 * deletion jobs already there. Never throws: a failure is in `error`.
 */
export async function planEnvironment(
    config: PadlensConfig, env: EnvironmentConfig, store: RawStore, session: Session, request: RetentionRequest, decode: DecodeOptions,
): Promise<PlannedEnvironment> {
    const workflows = await store.readSnapshot(env.name, "workflows");
    const flows = resolveFlows(request.flows, workflows);
    const scope: RetentionScope = { cutoff: request.cutoff, statuses: request.statuses, flowIds: flows.ids };
    const plan = emptyPlan(env.name, scope);
    plan.unknownFlows = flows.unknown;
    const result: PlannedEnvironment = { plan, candidates: [], verdicts: new Map() };
    try {
        const [org] = await session.client.all("organizations?$select=desktopflowrunactionlogversion,desktopflowrunactionlogsstatus,flowlogsttlinminutes", {}, "organizations");
        const settings = logSettingsOf(org);
        plan.flowlog = { logVersion: settings.version, ttlMinutes: settings.ttlMinutes, note: flowlogNote(settings.version, settings.ttlMinutes) };
        const state = await store.readState(env.name);
        plan.warnings.push(...ttlWarnings(env.name, settings, config.scheduleMinutes, state.lastPullCompletedAt));

        // --flow given but naming nothing here: the scope is empty, never "every flow".
        if (request.flows.length > 0 && flows.ids.length === 0) {
            plan.notes.push(`${env.name}: no flow named ${flows.unknown.join(", ")}: nothing in scope`);
        } else {
            const listing = await listCandidates(session.client, scope);
            const verdicts = await archiveStatus(store, config.out, env.name, listing.candidates, decode);
            const untrusted: Candidate[] = [];
            for (const u of listing.untrusted) {
                if (u.createdOn === null) throw new Error(`a listed run (${u.id}) has no usable createdon: no frontier can be computed`);
                untrusted.push({ runId: u.id, createdOn: u.createdOn, modifiedOn: u.createdOn, statusCode: null, flowId: null });
                verdicts.set(u.id, { verified: false, blocker: "untrusted" });
            }
            const candidates = [...listing.candidates, ...untrusted];
            const frontier = verifiedFrontier(candidates, verdicts, scope.cutoff);
            result.candidates = candidates;
            result.verdicts = verdicts;
            summarise(plan, candidates, verdicts, workflows);
            plan.frontier = frontier.frontier;
            plan.deletable = frontier.deletable.length;
            plan.bounds = frontier.modifiedOnAtMost ? { frontier: frontier.frontier, modifiedOnAtMost: frontier.modifiedOnAtMost } : null;
            const { total, byFlow } = await estimateCapacity(session.client, frontier.deletable, verdicts);
            plan.capacity = total;
            for (const f of plan.byFlow) {
                const c = byFlow.get(f.flowId ?? "(none)");
                f.deletable = c?.runs ?? 0;
                f.v1Bytes = c?.v1Bytes ?? 0;
                f.workflowBinaries = c?.workflowBinaries ?? 0;
            }
            if (total.workflowBinaries.note) plan.notes.push(`${env.name}: ${total.workflowBinaries.note}`);
            if (plan.verifiedQuarantined > 0) {
                plan.notes.push(`${env.name}: ${plan.verifiedQuarantined} verified run${plan.verifiedQuarantined === 1 ? " has a log" : "s have logs"} that could not be decoded: archived only as raw bytes (raw store and quarantine/), with no actions in Parquet`);
            }
        }
        await addJobs(plan, session);
    } catch (error) {
        plan.ok = false;
        plan.error = (error as Error).message.startsWith(`${env.name}:`) ? (error as Error).message : `${env.name}: ${(error as Error).message}`;
        plan.frontier = null;
        plan.bounds = null;
    }
    return result;
}

function flowlogNote(version: number, ttlMinutes: number): string {
    if (version === 0) return "V2 flowlog rows are not kept in this environment (V1 only)";
    const ttl = ttlMinutes > 0 ? `${ttlMinutes} min` : "none (kept forever)";
    return `flowlog TTL ${ttl}: V2 rows cannot be bulk-deleted, Dataverse expires them`;
}

function summarise(plan: EnvPlan, candidates: Candidate[], verdicts: Map<string, ArchiveVerdict>, workflows: Row[]): void {
    const names = new Map(workflows.map((w) => [parseGuid(w.workflowid) ?? "", typeof w.name === "string" ? w.name : null]));
    const blockers = new Map<Blocker, BlockerSummary>();
    const flows = new Map<string, FlowPlan>();
    const sorted = [...candidates].sort((a, b) => Date.parse(a.createdOn) - Date.parse(b.createdOn) || a.runId.localeCompare(b.runId));
    for (const c of sorted) {
        const key = c.flowId ?? "(none)";
        const flow = flows.get(key) ?? { flowId: c.flowId, flowName: c.flowId ? (names.get(c.flowId) ?? null) : null, matching: 0, verified: 0, deletable: 0, blocked: 0, v1Bytes: 0, workflowBinaries: 0 };
        flows.set(key, flow);
        flow.matching++;
        plan.matching++;
        const v = verdicts.get(c.runId);
        if (v?.verified) {
            plan.verified++;
            flow.verified++;
            if (v.quarantined) plan.verifiedQuarantined++;
            continue;
        }
        plan.blocked++;
        flow.blocked++;
        const reason: Blocker = v && !v.verified ? v.blocker : "not-pulled";
        const b = blockers.get(reason) ?? { reason, label: BLOCKER_LABELS[reason], count: 0, sample: [] };
        blockers.set(reason, b);
        b.count++;
        if (b.sample.length < SAMPLE) b.sample.push(c.runId);
    }
    plan.blockers = [...blockers.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
    plan.byFlow = [...flows.values()].sort((a, b) => b.matching - a.matching || String(a.flowName).localeCompare(String(b.flowName)));
}

/** Existing bulk deletion jobs on flow sessions, and a loud warning for recurring ones padlens cannot bound. */
async function addJobs(plan: EnvPlan, session: Session): Promise<void> {
    let jobs: ServerJob[];
    try {
        jobs = await listBulkDeleteJobs(session.client);
    } catch (error) {
        plan.notes.push(`${plan.env}: bulk deletion jobs not listed: ${(error as Error).message}`);
        return;
    }
    // Dataverse has recurring jobs of its own (system jobs, audit): only those that may touch flow sessions matter here.
    plan.jobs = jobs.filter((j) => j.onFlowSessions !== false);
    plan.warnings.push(...recurringJobWarnings(plan.env, jobs, plan.blocked));
}

export function recurringJobWarnings(env: string, jobs: readonly ServerJob[], blocked: number): string[] {
    const recurring = jobs.filter((j) => j.recurring && !j.byPadlens && j.statuscode !== 32);
    const warnings = recurring
        .filter((j) => j.onFlowSessions === true)
        .map((j) => {
            const unarchived = blocked > 0 ? `; ${blocked} matching run${blocked === 1 ? " is" : "s are"} not archived yet` : "";
            return `RECURRING BULK DELETION ${env}: job '${j.name}' (${j.recurrence ?? "recurring"}, next run ${j.nextRun ?? "unknown"}) deletes flow sessions whether or not padlens has archived them${unarchived} — ` +
                "delete it (admin center > Settings > Data management > Bulk deletion > Recurring Bulk Deletion System Jobs) and use padlens retention apply --every-pull instead";
        });
    const unknown = recurring.filter((j) => j.onFlowSessions === null);
    if (unknown.length) {
        warnings.push(`${env}: ${unknown.length} recurring bulk deletion job${unknown.length === 1 ? "" : "s"} (${unknown.map((j) => `'${j.name}'`).join(", ")}) may delete flow sessions: their queries are not readable (give Read on Bulk Delete Operation to tell)`);
    }
    return warnings;
}
