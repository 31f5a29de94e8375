/**
 * Builds one run's action log (the flattened, depth-first list of actions with timings) from the
 * flow template, deterministically from a seeded stream. Called once when the dataset is made (to
 * know durations and counts) and again lazily whenever the server asks for the run's log.
 */
import { ACTIONS, CONTAINERS, actionError, type FlowTemplate, type Step } from "./catalog.js";
import type { Rng } from "./prng.js";

export interface ActionRecord {
    seq: number;
    parentSeq: number | null;
    depth: number;
    /** Script line within the subflow (what the portal calls the action index). */
    index: number;
    subflow: string;
    name: string;
    systemName: string;
    start: number;
    end: number;
    status: "Succeeded" | "Failed";
    errorCode?: string;
    errorMessage?: string;
    container: boolean;
}

/** A planted slowdown for one (subflow, action) of a flow. */
export interface Slowdown {
    subflow: string;
    actionName: string;
    machineName?: string;
    peakHoursUtc?: number[];
    factor: number;
}

export type RunOutcome = "succeeded" | "failed-action" | "failed-session" | "cancelled" | "timedout";

export interface ActionPlan {
    flow: FlowTemplate;
    machineName: string;
    speed: number;
    startedMs: number;
    outcome: RunOutcome;
    large: boolean;
    slowdowns: Slowdown[];
}

/** Iterations of the bulk loop in a large run, so that the run has at least ~22,000 actions. */
const LARGE_RUN_TARGET = 22_000;

interface Cursor {
    clock: number;
    out: ActionRecord[];
}

export function generateActions(plan: ActionPlan, rng: Rng): ActionRecord[] {
    if (plan.outcome === "failed-session") return [];
    const lines = lineNumbers(plan.flow);
    const cursor: Cursor = { clock: plan.startedMs + rng.int(300, 1500), out: [] };
    const walk = (steps: Step[], subflow: string, depth: number, parentSeq: number | null): void => {
        const subLines = lines.get(subflow);
        for (const step of steps) {
            const index = subLines?.get(step) ?? 1;
            if ("a" in step) {
                const kind = ACTIONS[step.a];
                const start = cursor.clock;
                let duration = rng.logNormal(kind.medianMs * plan.speed, kind.sigma);
                duration *= slowdownFactor(plan, subflow, kind.name, start);
                const end = start + Math.max(1, Math.round(duration));
                cursor.out.push({ seq: cursor.out.length, parentSeq, depth, index, subflow, name: kind.name, systemName: kind.systemName, start, end, status: "Succeeded", container: false });
                cursor.clock = end + rng.int(2, 30);
                continue;
            }
            const container = "call" in step ? CONTAINERS.callSubflow : "if" in step ? CONTAINERS.if : step.forEach ? CONTAINERS.forEach : CONTAINERS.loop;
            const record: ActionRecord = {
                seq: cursor.out.length, parentSeq, depth, index, subflow, name: container.name, systemName: container.systemName,
                start: cursor.clock, end: cursor.clock, status: "Succeeded", container: true,
            };
            cursor.out.push(record);
            cursor.clock += rng.int(1, 5);
            if ("call" in step) {
                walk(plan.flow.subflows[step.call] ?? [], step.call, depth + 1, record.seq);
            } else if ("if" in step) {
                if (rng.chance(step.if)) walk(step.body, subflow, depth + 1, record.seq);
            } else {
                const iterations = plan.large && step.bulk ? Math.ceil(LARGE_RUN_TARGET / minNodes(plan.flow, step.body)) : rng.int(step.loop[0], step.loop[1]);
                for (let i = 0; i < iterations; i++) walk(step.body, subflow, depth + 1, record.seq);
            }
            record.end = Math.max(record.start + 1, cursor.clock - 1);
        }
    };
    walk(plan.flow.subflows.Main ?? [], "Main", 0, null);
    return cutShort(plan, cursor.out, rng);
}

function slowdownFactor(plan: ActionPlan, subflow: string, name: string, start: number): number {
    let factor = 1;
    for (const s of plan.slowdowns) {
        if (s.subflow !== subflow || s.actionName !== name) continue;
        if (s.machineName !== undefined && s.machineName === plan.machineName) factor *= s.factor;
        if (s.peakHoursUtc !== undefined && s.peakHoursUtc.includes(Math.floor(start / 3_600_000) % 24)) factor *= s.factor;
    }
    return factor;
}

/** Failed, cancelled and timed-out runs stop part-way: keep the actions up to the last one that ran. */
function cutShort(plan: ActionPlan, actions: ActionRecord[], rng: Rng): ActionRecord[] {
    if (plan.outcome === "succeeded" || actions.length === 0) return actions;
    let k = Math.floor(actions.length * (0.15 + 0.8 * rng.next()));
    const fallible = (a: ActionRecord): boolean => !a.container && /^(UIAutomation|WebAutomation|Excel|Outlook|Web\.|File|Folder)/.test(a.systemName);
    if (plan.outcome === "failed-action") {
        let j = k;
        while (j < actions.length && !fallible(actions[j])) j++;
        if (j === actions.length) {
            j = k;
            while (j > 0 && actions[j].container) j--;
        }
        k = j;
    } else {
        while (k > 0 && actions[k].container) k--;
    }
    const kept = actions.slice(0, k + 1);
    const last = kept[k];
    if (plan.outcome === "failed-action") {
        const error = actionError(last.systemName, rng.next());
        last.status = "Failed";
        last.errorCode = error.code;
        last.errorMessage = error.message;
    } else if (plan.outcome === "timedout") {
        // The action that hung runs until the run's timeout kills it.
        last.end = last.start + rng.int(15, 45) * 60_000;
    }
    // Containers still open at the cut end with the last action.
    for (let p = last.parentSeq; p !== null; p = kept[p].parentSeq) kept[p].end = Math.max(kept[p].start + 1, last.end);
    return kept;
}

/** Number of actions one pass over `steps` produces at least (ifs not taken, loops at one pass). */
function minNodes(flow: FlowTemplate, steps: Step[]): number {
    let n = 0;
    for (const step of steps) {
        n += 1;
        if ("call" in step) n += minNodes(flow, flow.subflows[step.call] ?? []);
        else if ("loop" in step) n += minNodes(flow, step.body);
    }
    return Math.max(1, n);
}

const lineCache = new WeakMap<FlowTemplate, Map<string, Map<Step, number>>>();

/** Script line of each step, per subflow, the way PAD numbers lines (blocks take an `End` line). */
function lineNumbers(flow: FlowTemplate): Map<string, Map<Step, number>> {
    const cached = lineCache.get(flow);
    if (cached) return cached;
    const result = new Map<string, Map<Step, number>>();
    for (const [name, steps] of Object.entries(flow.subflows)) {
        const map = new Map<Step, number>();
        let line = 1;
        const number = (list: Step[]): void => {
            for (const step of list) {
                map.set(step, line++);
                if ("body" in step) {
                    number(step.body);
                    line++; // End
                }
            }
        };
        number(steps);
        result.set(name, map);
    }
    lineCache.set(flow, result);
    return result;
}
