/**
 * Builds one run's action log (the flattened, depth-first list of actions with timings) from the
 * flow template, deterministically from a seeded stream. Called once when the dataset is made (to
 * know durations and counts) and again lazily whenever the server asks for the run's log.
 *
 * Times are whole milliseconds with at least 1 ms between one action's start and the next one's,
 * and between an action's end and the start of the next action it does not enclose, so random
 * sub-millisecond digits (real-shape.ts) never change the order or what a span encloses.
 */
import { ACTIONS, CONTAINERS, actionError, type ActionKey, type ContainerKey, type DocStyle, type FlowTemplate, type Step } from "./catalog.js";
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
    /** Catalog key of the action (ACTIONS) or container (CONTAINERS) kind. */
    kind: ActionKey | ContainerKey;
    /** The action runs in one of the flow's guarded subflows (inside an error-handling block). */
    insideErrorHandling: boolean;
    /** If: "True"/"False" (body taken); Run subflow: the subflow; loops: the number of iterations. */
    detail?: string;
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
    /**
     * Shape of the run's logs (default "real"). In the real shape an If is a short entry (5-15 ms)
     * that ends before its body starts; in the alias styles it lasts as long as its body. Nothing
     * else depends on it but handled failures.
     */
    style?: DocStyle;
    /** Real shape only: one action inside error handling fails and the run goes on. */
    handledFailure?: boolean;
}

/** Iterations of the bulk loop in a large run, so that the run has at least ~22,000 actions. */
const LARGE_RUN_TARGET = 22_000;

interface Cursor {
    clock: number;
    out: ActionRecord[];
}

export function generateActions(plan: ActionPlan, rng: Rng): ActionRecord[] {
    if (plan.outcome === "failed-session") return [];
    const real = (plan.style ?? "real") === "real";
    const guarded = new Set(plan.flow.guarded ?? []);
    const lines = lineNumbers(plan.flow);
    const cursor: Cursor = { clock: plan.startedMs + rng.int(300, 1500), out: [] };
    const walk = (steps: Step[], subflow: string, depth: number, parentSeq: number | null): void => {
        const subLines = lines.get(subflow);
        const insideErrorHandling = guarded.has(subflow);
        for (const step of steps) {
            const index = subLines?.get(step) ?? 1;
            if ("a" in step) {
                const kind = ACTIONS[step.a];
                const start = cursor.clock;
                let duration = rng.logNormal(kind.medianMs * plan.speed, kind.sigma);
                duration *= slowdownFactor(plan, subflow, kind.name, start);
                const end = start + Math.max(1, Math.round(duration));
                cursor.out.push({
                    seq: cursor.out.length, parentSeq, depth, index, subflow, name: kind.name, systemName: kind.systemName, start, end,
                    status: "Succeeded", container: false, kind: step.a, insideErrorHandling,
                });
                cursor.clock = end + rng.int(2, 30);
                continue;
            }
            const key: ContainerKey = "call" in step ? "callSubflow" : "if" in step ? "if" : step.forEach ? "forEach" : "loop";
            const container = CONTAINERS[key];
            const record: ActionRecord = {
                seq: cursor.out.length, parentSeq, depth, index, subflow, name: container.name, systemName: container.systemName,
                start: cursor.clock, end: cursor.clock, status: "Succeeded", container: true, kind: key, insideErrorHandling,
            };
            cursor.out.push(record);
            if ("if" in step) {
                // The condition takes 5-15 ms, then the body (if taken) runs. The real shape logs the If
                // as that short entry of its own; the alias styles let it last until its body ends.
                // Every other action comes out the same in both (same draws, same times).
                const evaluated = record.start + rng.int(5, 15);
                cursor.clock = evaluated + rng.int(1, 5);
                const taken = rng.chance(step.if);
                record.detail = taken ? "True" : "False";
                if (taken) walk(step.body, subflow, depth + 1, record.seq);
                record.end = real ? evaluated : Math.max(record.start + 1, cursor.clock);
                cursor.clock += 1;
                continue;
            }
            cursor.clock += rng.int(1, 5);
            if ("call" in step) {
                record.detail = step.call;
                walk(plan.flow.subflows[step.call] ?? [], step.call, depth + 1, record.seq);
            } else {
                const iterations = plan.large && step.bulk ? Math.ceil(LARGE_RUN_TARGET / minNodes(plan.flow, step.body)) : rng.int(step.loop[0], step.loop[1]);
                record.detail = String(iterations);
                for (let i = 0; i < iterations; i++) walk(step.body, subflow, depth + 1, record.seq);
            }
            // A container ends after its last child (1 ms after a nested container's end), and the next action starts after it.
            record.end = Math.max(record.start + 1, cursor.clock);
            cursor.clock = record.end + 1;
        }
    };
    walk(plan.flow.subflows.Main ?? [], "Main", 0, null);
    const kept = cutShort(plan, cursor.out, rng, real);
    if (real && plan.handledFailure === true) failHandled(kept, rng);
    return kept;
}

/** Actions that can fail (UI, web, Office, files), as opposed to variables, text, logging and containers. */
function fallible(a: ActionRecord): boolean {
    return !a.container && /^(UIAutomation|WebAutomation|Excel|Outlook|Web\.|File|Folder)/.test(a.systemName);
}

/** One action inside error handling fails; the handler deals with it and the run goes on (not its last action). */
function failHandled(actions: ActionRecord[], rng: Rng): void {
    const candidates: ActionRecord[] = [];
    for (let i = 0; i < actions.length - 1; i++) {
        const a = actions[i];
        if (a.insideErrorHandling && a.status !== "Failed" && fallible(a)) candidates.push(a);
    }
    if (candidates.length === 0) return;
    const a = rng.pick(candidates);
    const error = actionError(a.systemName, rng.next());
    a.status = "Failed";
    a.errorCode = error.code;
    a.errorMessage = error.message;
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

/**
 * Failed, cancelled and timed-out runs stop part-way: keep the actions up to the last one that ran.
 * The action that fails a run is never inside error handling (there the handler would catch it).
 */
function cutShort(plan: ActionPlan, actions: ActionRecord[], rng: Rng, real: boolean): ActionRecord[] {
    if (plan.outcome === "succeeded" || actions.length === 0) return actions;
    let k = Math.floor(actions.length * (0.15 + 0.8 * rng.next()));
    const failsRun = (a: ActionRecord): boolean => fallible(a) && !a.insideErrorHandling;
    if (plan.outcome === "failed-action") {
        let j = k;
        while (j < actions.length && !failsRun(actions[j])) j++;
        if (j === actions.length) {
            j = k;
            while (j > 0 && (actions[j].container || actions[j].insideErrorHandling)) j--;
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
    // Containers still open at the cut end just after the last action (2 ms, more than the rounding
    // of a V2 duration, which may stand in for its end), each 1 ms after the one it encloses (a
    // real-shape If had ended before its body).
    let end = last.end + 1;
    for (let p = last.parentSeq; p !== null; p = kept[p].parentSeq) {
        if (real && kept[p].kind === "if") continue;
        end = Math.max(kept[p].start + 1, end + 1);
        kept[p].end = end;
    }
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
