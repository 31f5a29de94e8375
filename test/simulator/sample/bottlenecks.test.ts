import { describe, expect, it } from "vitest";
import { generateDataset } from "../../../simulator/sample/index.js";
import type { SampleEnvironment } from "../../../simulator/sample/model.js";
import { decodeBytes, flattenDocument, v2Actions, type RefAction } from "./reference-decode.js";

const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
};

const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];

/** Containers last as long as their children: rankings look at leaf actions. */
const CONTAINERS = ["Flow.CallFunction", "Loops.Loop", "Loops.ForEach", "Conditionals.If"];

type Timed = RefAction & { machineId: string; durationMs: number };

/**
 * Every action with a known duration (a cancelled run's last action may have none), with its run's
 * machine. The last action of a timed-out run hung until the timeout killed it (15-45 min): one such
 * hang in a cell of 20 executions is its p95, so it is left out, as a robust ranking would.
 */
function actionsWithMachine(env: SampleEnvironment): Timed[] {
    const out: Timed[] = [];
    for (const run of env.flowsessions) {
        const id = String(run.flowsessionid);
        const bytes = env.additionalContext(id);
        let actions: RefAction[] = [];
        if (bytes) {
            try {
                actions = flattenDocument(decodeBytes(bytes));
            } catch {
                continue; // malformed on purpose
            }
        } else {
            actions = v2Actions(env.flowLogs(id));
        }
        if (run.statuscode === 10) actions = actions.slice(0, -1);
        for (const a of actions) if (a.durationMs !== null) out.push({ ...a, durationMs: a.durationMs, machineId: String(run._machineid_value) });
    }
    return out;
}

describe("planted bottlenecks", () => {
    const ds = generateDataset({ envs: 2, days: 6, scale: 0.3, largeRuns: 0 });

    it("are listed in the manifest", () => {
        expect(ds.manifest.bottlenecks.map((b) => b.kind).sort()).toEqual(["slow-at-peak", "slow-on-machine"]);
    });

    it("make one action much slower on one machine than elsewhere, and top the action x machine p95 ranking", () => {
        const b = ds.manifest.bottlenecks.find((x) => x.kind === "slow-on-machine")!;
        const env = ds.environments.find((e) => e.name === b.env)!;
        const all = actionsWithMachine(env);
        const target = all.filter((a) => a.name === b.actionName && a.subflow === b.subflow);
        const onMachine = target.filter((a) => a.machineId === b.machineId).map((a) => a.durationMs);
        const elsewhere = target.filter((a) => a.machineId !== b.machineId).map((a) => a.durationMs);
        expect(onMachine.length).toBeGreaterThan(20);
        expect(median(onMachine) / median(elsewhere)).toBeGreaterThan(b.slowdownFactor * 0.7);
        // p95 per (leaf action, machine): the planted pair ranks first.
        const groups = new Map<string, number[]>();
        for (const a of all) {
            if (CONTAINERS.includes(a.systemName)) continue;
            const key = `${a.name}|${a.machineId}`;
            (groups.get(key) ?? groups.set(key, []).get(key)!).push(a.durationMs);
        }
        const ranked = [...groups].filter(([, xs]) => xs.length >= 20).sort((x, y) => p95(y[1]) - p95(x[1]));
        expect(ranked[0][0]).toBe(`${b.actionName}|${b.machineId}`);
    });

    it("make one action slower in its peak hours than outside them", () => {
        const b = ds.manifest.bottlenecks.find((x) => x.kind === "slow-at-peak")!;
        const env = ds.environments.find((e) => e.name === b.env)!;
        const target = actionsWithMachine(env).filter((a) => a.name === b.actionName && a.subflow === b.subflow);
        const inPeak = target.filter((a) => b.peakHoursUtc!.includes(new Date(a.startMs).getUTCHours())).map((a) => a.durationMs);
        const outside = target.filter((a) => !b.peakHoursUtc!.includes(new Date(a.startMs).getUTCHours())).map((a) => a.durationMs);
        expect(inPeak.length).toBeGreaterThan(10);
        expect(median(inPeak) / median(outside)).toBeGreaterThan(b.slowdownFactor * 0.7);
        // p95 per (leaf action, UTC hour of start): a peak hour of the planted action ranks first.
        const groups = new Map<string, number[]>();
        for (const x of actionsWithMachine(env)) {
            if (CONTAINERS.includes(x.systemName)) continue;
            const key = `${x.name}|${new Date(x.startMs).getUTCHours()}`;
            (groups.get(key) ?? groups.set(key, []).get(key)!).push(x.durationMs);
        }
        const ranked = [...groups].filter(([, xs]) => xs.length >= 20).sort((x, y) => p95(y[1]) - p95(x[1]));
        expect(b.peakHoursUtc!.map((h) => `${b.actionName}|${h}`)).toContain(ranked[0][0]);
    });
});
