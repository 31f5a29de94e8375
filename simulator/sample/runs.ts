/**
 * Desktop-flow runs of one environment: when they are created (business-hour and weekday load),
 * how they are triggered, queued, where they run and how they end; then the `flowsession` row and
 * the log availability that follow from the run's generated actions.
 */
import { generateActions, type ActionPlan, type ActionRecord, type RunOutcome } from "./actions.js";
import { SESSION_ERRORS, STYLE_WEIGHTS, type DocStyle } from "./catalog.js";
import type { EnvLayout } from "./environment-rows.js";
import type { DataverseRow, ExpectedRun, V1Encoding } from "./model.js";
import { dvTime, rngFor, type Rng } from "./prng.js";
import type { Unterminated } from "./real-shape.js";
import type { MalformedKind } from "./v1-document.js";
import { MALFORMED_REASON } from "./v1-document.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Relative load per UTC hour for business flows: a morning and an afternoon peak. */
const BUSINESS_HOURS = [0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 1.5, 4, 8, 10, 10, 9, 7, 9, 10, 9, 7, 4, 2, 1, 0.8, 0.6, 0.5, 0.4];
const NIGHT_HOURS = [4, 8, 8, 6, 3, 1, 0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 1, 2];
const WEEKEND_FACTOR = 0.15;
/** Share of real-shape runs in which one action inside error handling fails (when the flow has such actions). */
const HANDLED_FAILURE_RATE = 0.05;

export interface RunPlan extends ActionPlan {
    runId: string;
    flowId: string;
    cloudFlowId: string;
    machineId: string;
    groupId: string;
    createdMs: number;
    triggertype: number;
    runmode: number;
    parentRunId: string | null;
    cloudRunId: string | null;
    sessionError?: { code: string; message: string };
    /** Filled once the actions are known. */
    completedMs: number;
    modifiedMs: number;
    actions: number;
    failedActions: number;
    handledFailures: number;
    /** The shape of the run's logs. */
    style: DocStyle;
    lastError?: { code: string; message: string; action: string; subflow: string; index: number };
    /** Still running/queued at the dataset's current end. */
    pending: boolean;
    v1Encoding: V1Encoding | null;
    v1Malformed: MalformedKind | null;
    /** Cancelled real-shape runs with a log: how the interrupted last action is logged. */
    unterminated: Unterminated | null;
}

export function actionRngSeed(seed: number, runId: string): [number, string, string] {
    return [seed, "actions", runId];
}

export function runActions(seed: number, plan: RunPlan): ActionRecord[] {
    return generateActions(plan, rngFor(...actionRngSeed(seed, plan.runId)));
}

function hourWeights(nightly: boolean): Array<readonly [number, number]> {
    return (nightly ? NIGHT_HOURS : BUSINESS_HOURS).map((w, h) => [h, w] as const);
}

/** Creates the runs whose createdon falls in [fromMs, toMs), day by day (each day its own stream). */
export function scheduleRuns(seed: number, env: EnvLayout, fromMs: number, toMs: number, scale: number, salt: string): RunPlan[] {
    const plans: RunPlan[] = [];
    for (let day = Math.floor(fromMs / DAY) * DAY; day < toMs; day += DAY) {
        const rng = rngFor(seed, "runs", env.index, day, salt);
        const weekday = new Date(day).getUTCDay();
        const weekend = weekday === 0 || weekday === 6;
        for (const flow of env.flows) {
            const t = flow.template;
            if (t.statecode !== 1 || t.runsPerDay <= 0) continue;
            const expected = t.runsPerDay * scale * (weekend && !t.nightly ? WEEKEND_FACTOR : 1);
            const count = Math.floor(expected) + (rng.chance(expected - Math.floor(expected)) ? 1 : 0);
            const hours = hourWeights(t.nightly === true);
            for (let i = 0; i < count; i++) {
                const createdMs = day + rng.weighted(hours) * HOUR + rng.int(0, HOUR - 1);
                const plan = planRun(rng, env, flow, createdMs);
                if (createdMs < fromMs || createdMs >= toMs) continue;
                // Its own stream, so the log shape does not shift the schedule.
                const shape = rngFor(seed, "log-style", plan.runId);
                plan.style = shape.weighted(STYLE_WEIGHTS);
                plan.handledFailure = shape.chance(HANDLED_FAILURE_RATE);
                plans.push(plan);
            }
        }
    }
    plans.sort((a, b) => a.createdMs - b.createdMs || (a.runId < b.runId ? -1 : 1));
    linkChildRuns(plans);
    return plans;
}

function planRun(rng: Rng, env: EnvLayout, flow: EnvLayout["flows"][number], createdMs: number): RunPlan {
    const t = flow.template;
    const runId = rng.guid();
    const pool = env.machines.filter((m) => m.template.group === t.group);
    const machine = rng.pick(pool.length > 0 ? pool : env.machines);
    const triggertype = rng.chance(t.cloudShare) ? 0 : rng.weighted([[2, 0.45], [3, 0.3], [1, 0.25]] as const);
    const runmode = triggertype === 2 ? 0 : triggertype === 0 && rng.chance(0.15) ? 1 : 2;
    const r = rng.next();
    let outcome: RunOutcome = "succeeded";
    if (r < t.failureRate) outcome = rng.chance(0.3) && triggertype !== 2 ? "failed-session" : "failed-action";
    else if (r < t.failureRate + 0.03) outcome = "cancelled";
    else if (r < t.failureRate + 0.05) outcome = "timedout";
    const hour = Math.floor(createdMs / HOUR) % 24;
    // Queues build up at the business peaks.
    const queueMs = Math.max(800, Math.round(rng.logNormal(12_000, 0.8) * (hour >= 8 && hour <= 16 ? 2.5 : 1)));
    const cloudRunId = triggertype === 0 ? `0858${String(rng.int(4_000_000, 4_999_999))}${String(rng.int(10_000_000, 99_999_999))}${String(rng.int(100_000, 999_999))}CU${String(rng.int(10, 99))}` : null;
    const sessionError = outcome === "failed-session" ? rng.pick(SESSION_ERRORS) : undefined;
    return {
        runId, flowId: flow.id, cloudFlowId: flow.cloudFlowId, machineId: machine.id, groupId: machine.groupId, createdMs,
        flow: t, machineName: machine.template.name, speed: machine.template.speed, startedMs: createdMs + queueMs, outcome, large: false,
        slowdowns: env.bottlenecks.filter((b) => b.flowId === flow.id).map((b) => ({
            subflow: b.subflow, actionName: b.actionName, machineName: b.machineName, peakHoursUtc: b.peakHoursUtc, factor: b.slowdownFactor,
        })),
        triggertype, runmode, parentRunId: null, cloudRunId, sessionError,
        completedMs: 0, modifiedMs: 0, actions: 0, failedActions: 0, handledFailures: 0, style: "real", handledFailure: false,
        pending: false, v1Encoding: null, v1Malformed: null, unterminated: null,
    };
}

/** Runs triggered by another desktop flow (triggertype 1) point at an earlier run of the environment. */
function linkChildRuns(plans: RunPlan[]): void {
    for (let i = 0; i < plans.length; i++) {
        if (plans[i].triggertype !== 1) continue;
        if (i === 0) {
            plans[i].triggertype = 2;
            plans[i].runmode = 0;
        } else {
            plans[i].parentRunId = plans[i - 1].runId;
        }
    }
}

/** Generates the run's actions once to fix its completion time, counts and error. */
export function settleRun(seed: number, plan: RunPlan, endMs: number, rng: Rng): void {
    const actions = runActions(seed, plan);
    const lastEnd = actions.length > 0 ? actions[actions.length - 1].end : plan.startedMs + rng.int(4_000, 60_000);
    plan.completedMs = lastEnd + rng.int(300, 2_500);
    plan.modifiedMs = plan.completedMs + rng.int(2_000, 40_000);
    plan.actions = actions.length;
    // A failure inside error handling is handled: the run goes on; only one outside it fails the run.
    plan.failedActions = actions.filter((a) => a.status === "Failed" && !a.insideErrorHandling).length;
    plan.handledFailures = actions.filter((a) => a.status === "Failed" && a.insideErrorHandling).length;
    const failed = actions.find((a) => a.status === "Failed" && !a.insideErrorHandling);
    if (failed) plan.lastError = { code: failed.errorCode ?? "ActionFailed", message: failed.errorMessage ?? "", action: failed.name, subflow: failed.subflow, index: failed.index };
    // Runs created in the last minutes are still busy at the end of the history, whatever their actions say.
    if (plan.createdMs >= endMs - RECENT_MS && plan.modifiedMs <= endMs) {
        plan.completedMs = endMs + rng.int(60_000, RECENT_MS);
        plan.modifiedMs = plan.completedMs + rng.int(2_000, 40_000);
    }
    plan.pending = plan.modifiedMs > endMs;
}

const RECENT_MS = 20 * 60_000;

/**
 * A live tenant always has something in flight: when no run is still busy at the end (small
 * scales), the environment's latest run is made to finish after it.
 */
export function ensureRunning(plans: RunPlan[], endMs: number, rng: Rng): void {
    if (plans.length === 0 || plans.some((p) => p.pending)) return;
    const latest = plans.filter((p) => !p.large).at(-1);
    if (!latest) return;
    latest.completedMs = Math.max(latest.completedMs, endMs + rng.int(60_000, RECENT_MS));
    latest.modifiedMs = latest.completedMs + rng.int(2_000, 40_000);
    latest.pending = true;
}

export function statusCode(plan: RunPlan, endMs: number): number {
    if (plan.pending) return plan.startedMs < endMs ? 2 : 3;
    switch (plan.outcome) {
        case "succeeded": return 4;
        case "cancelled": return 7;
        case "timedout": return 10;
        default: return 8;
    }
}

export function hasLog(env: EnvLayout, plan: RunPlan, endMs: number): boolean {
    if (plan.pending || plan.actions === 0) return false;
    const status = env.variant.logStatus;
    return status === 0 || (status === 1 && statusCode(plan, endMs) === 8);
}

export function hasV1(env: EnvLayout, plan: RunPlan, endMs: number): boolean {
    return hasLog(env, plan, endMs) && (env.variant.logVersion === 0 || env.variant.logVersion === 2);
}

export function hasV2(env: EnvLayout, plan: RunPlan, endMs: number): boolean {
    return hasLog(env, plan, endMs) && (env.variant.logVersion === 1 || env.variant.logVersion === 2) && plan.triggertype === 0;
}

export function expectedRun(env: EnvLayout, plan: RunPlan, endMs: number): ExpectedRun {
    const v1 = hasV1(env, plan, endMs) && plan.v1Encoding
        ? { encoding: plan.v1Encoding, ...(plan.v1Malformed ? { malformed: MALFORMED_REASON[plan.v1Malformed] } : {}) }
        : null;
    const v2 = hasV2(env, plan, endMs);
    // What a correct reader recovers: V2 rows, or a V1 document that decodes.
    const readable = v2 || (v1 !== null && !plan.v1Malformed);
    return {
        runId: plan.runId, flowId: plan.flowId, machineId: plan.startedMs < endMs ? plan.machineId : null, statusCode: statusCode(plan, endMs), v1, v2,
        ...(v1 !== null || v2 ? { style: plan.style } : {}),
        actions: readable ? plan.actions : 0, failedActions: readable ? plan.failedActions : 0, handledFailures: readable ? plan.handledFailures : 0,
    };
}

const ATTENDED = ["Local", "Attended", "Unattended"];

export function sessionRow(env: EnvLayout, plan: RunPlan, endMs: number): DataverseRow {
    const status = statusCode(plan, endMs);
    const done = !plan.pending;
    const machine = env.machines.find((m) => m.id === plan.machineId);
    let errorcode: string | null = null;
    let errormessage: string | null = null;
    let errordetails: string | null = null;
    if (done && status === 8) {
        const e = plan.sessionError ?? plan.lastError;
        errorcode = e?.code ?? "ActionFailed";
        errormessage = e?.message ?? null;
        errordetails = plan.lastError
            ? JSON.stringify({ actionName: plan.lastError.action, subflowName: plan.lastError.subflow, actionIndex: plan.lastError.index, errorCode: plan.lastError.code })
            : JSON.stringify({ stage: "SessionSetup", errorCode: errorcode });
    } else if (done && status === 10) {
        errorcode = "Timeout";
        errormessage = "The desktop flow run exceeded its timeout and was stopped.";
    } else if (done && status === 7) {
        errorcode = "Cancelled";
        errormessage = "The desktop flow run was cancelled.";
    }
    const context: Record<string, unknown> = {
        hostName: machine?.template.name ?? null,
        attendedMode: ATTENDED[plan.runmode],
        agentVersion: machine?.template.agentversion ?? null,
    };
    if (plan.triggertype === 0) {
        Object.assign(context, { parentWorkflowId: plan.cloudFlowId, parentWorkflowRunId: plan.cloudRunId, parentWorkflowType: "CloudFlow", connectionType: "DirectConnection" });
    } else if (plan.triggertype === 1) {
        Object.assign(context, { parentWorkflowRunId: plan.parentRunId, parentWorkflowType: "DesktopFlow" });
    }
    const started = plan.startedMs < endMs ? plan.startedMs : null;
    return {
        flowsessionid: plan.runId,
        name: plan.flow.name,
        _regardingobjectid_value: plan.flowId,
        _ownerid_value: env.ownerId,
        statuscode: status,
        statecode: 0,
        createdon: dvTime(plan.createdMs),
        startedon: started === null ? null : dvTime(started),
        completedon: done ? dvTime(plan.completedMs) : null,
        modifiedon: dvTime(done ? plan.modifiedMs : started ?? plan.createdMs),
        _machineid_value: started === null ? null : plan.machineId,
        _machinegroupid_value: plan.groupId,
        runmode: plan.runmode,
        triggertype: plan.triggertype,
        runduration: done ? plan.completedMs - plan.startedMs : null,
        errorcode,
        errormessage,
        errordetails,
        context: JSON.stringify(context),
        parentcloudflowrunsequenceid: plan.cloudRunId,
        _parentdesktopflowrunid_value: plan.parentRunId,
        additionalcontext: hasV1(env, plan, endMs) ? plan.runId : null,
        additionalcontext_name: hasV1(env, plan, endMs) ? "additionalcontext.json" : null,
    };
}
