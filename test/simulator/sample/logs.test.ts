import { describe, expect, it } from "vitest";
import { generateDataset } from "../../../simulator/sample/index.js";
import type { DataverseRow, ExpectedRun, SampleEnvironment } from "../../../simulator/sample/model.js";
import { decodeBytes, flattenDocument, isFailed, ticksOf, v2Actions, type RefAction } from "./reference-decode.js";

// Enough runs for a handful of failures in the on-failure-only environment, and of cancelled runs.
const ds = generateDataset({ days: 7, scale: 0.4, largeRuns: 0 });
const expectedOf = (env: string): ExpectedRun[] => Object.values(ds.manifest.runs[env]);
const envByName = (name: string) => ds.environments.find((e) => e.name === name)!;

const REAL_KEYS = ["name", "systemActionName", "systemModuleName", "localizedModuleName", "startTime", "endTime", "index", "functionName", "insideErrorHandling", "status", "inputs", "outputs"];
const ISO7 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MIN_VALUE = "0001-01-01T00:00:00";
const SECRET = /password|secret|token|apikey/i;

interface Log { env: SampleEnvironment; r: ExpectedRun; source: "V1" | "V2"; actions: RefAction[]; rows?: DataverseRow[] }

/** Every readable log of the dataset, decoded by the reference reader. */
const logs: Log[] = ds.environments.flatMap((env) => expectedOf(env.name).flatMap((r) => {
    const out: Log[] = [];
    if (r.v1 && !r.v1.malformed) out.push({ env, r, source: "V1", actions: flattenDocument(decodeBytes(env.additionalContext(r.runId)!)) });
    if (r.v2) {
        const rows = env.flowLogs(r.runId);
        out.push({ env, r, source: "V2", actions: v2Actions(rows), rows });
    }
    return out;
}));
const realLogs = logs.filter((l) => l.r.style === "real");
const handledOf = (actions: RefAction[]): number => actions.filter((a) => isFailed(a.status) && a.raw.insideErrorHandling === true).length;
const runFailuresOf = (actions: RefAction[]): number => actions.filter((a) => isFailed(a.status) && a.raw.insideErrorHandling !== true).length;

describe("log shapes", () => {
    it("are the real shape for the large majority of runs, the four alias styles for the rest", () => {
        const withLog = ds.environments.flatMap((e) => expectedOf(e.name).filter((r) => r.v1 || r.v2));
        const real = withLog.filter((r) => r.style === "real").length;
        expect(real / withLog.length).toBeGreaterThan(0.7);
        expect(real / withLog.length).toBeLessThan(0.9);
        const v1Styles = new Set(logs.filter((l) => l.source === "V1").map((l) => l.r.style));
        expect([...v1Styles].sort()).toEqual(["Actions", "actionLogs", "actions", "logs", "real"]);
        // The legacy V2 shape still appears (alias-style runs of V2 environments).
        expect(logs.some((l) => l.source === "V2" && l.r.style !== "real")).toBe(true);
    });

    it("decode to the manifest's action, failure and handled-failure counts, whatever the shape", () => {
        expect(logs.length).toBeGreaterThan(100);
        for (const { r, actions } of logs) {
            expect(actions.length).toBe(r.actions);
            expect(runFailuresOf(actions)).toBe(r.failedActions);
            expect(handledOf(actions)).toBe(r.handledFailures);
            for (const a of actions) {
                expect(Number.isFinite(a.startMs)).toBe(true);
                if (a.durationMs !== null) expect(a.durationMs).toBeGreaterThanOrEqual(0);
            }
        }
    });
});

describe("V1 documents (additionalcontext)", () => {
    const v1Runs = ds.environments.flatMap((env) => expectedOf(env.name).filter((r) => r.v1).map((r) => ({ env, r })));

    it("are plain UTF-8 JSON in the real shape, and come in every encoding in the alias styles", () => {
        for (const { env, r } of v1Runs) {
            if (r.v1!.malformed) continue;
            const bytes = env.additionalContext(r.runId)!;
            if (r.style === "real") {
                expect(r.v1!.encoding).toBe("json");
                expect(bytes[0]).toBe(0x7b);
                expect(() => JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))).not.toThrow();
            }
            if (r.v1!.encoding === "json-bom") expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
            if (r.v1!.encoding.startsWith("gzip")) expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
        }
        const aliasEncodings = new Set(v1Runs.filter(({ r }) => !r.v1!.malformed && r.style !== "real").map(({ r }) => r.v1!.encoding));
        expect([...aliasEncodings].sort()).toEqual(["base64", "gzip", "gzip-base64", "json", "json-bom"]);
    });

    it("in the real shape: one flat `actions` list with Microsoft's keys, module-qualified names and 7-digit UTC times", () => {
        const real = v1Runs.filter(({ r }) => r.style === "real" && !r.v1!.malformed);
        expect(real.length).toBeGreaterThan(50);
        const modules = new Set<string>();
        for (const { env, r } of real) {
            const doc = decodeBytes(env.additionalContext(r.runId)!) as Record<string, unknown>;
            expect(Object.keys(doc)).toEqual(["actions", "childFlowsLogStatus"]);
            expect(doc.childFlowsLogStatus).toBe("Default");
            for (const item of doc.actions as Array<Record<string, unknown>>) {
                const keys = Object.keys(item);
                expect(keys.filter((k) => k !== "error")).toEqual(REAL_KEYS);
                expect(keys.includes("error")).toBe(item.status === "Failed");
                expect(item.startTime).toMatch(ISO7);
                if (item.endTime !== null && item.endTime !== MIN_VALUE) expect(item.endTime).toMatch(ISO7);
                expect(typeof item.insideErrorHandling).toBe("boolean");
                expect(Number.isInteger(item.index)).toBe(true);
                expect(String(item.systemModuleName)).toMatch(/^[A-Z][A-Za-z]+$/);
                expect(String(item.systemActionName)).toMatch(/^[A-Z][A-Za-z]+(\.[A-Za-z]+)*$/);
                expect(String(item.localizedModuleName).length).toBeGreaterThan(0);
                expect(item.functionName).not.toBe("Main");
                modules.add(String(item.systemModuleName));
                const inputs = item.inputs as Record<string, Record<string, unknown>>;
                const outputs = item.outputs as Record<string, Record<string, unknown>>;
                expect(Object.keys(inputs).length).toBeGreaterThanOrEqual(1);
                expect(Object.keys(inputs).length).toBeLessThanOrEqual(3);
                expect(Object.keys(outputs).length).toBeLessThanOrEqual(3);
                for (const v of [...Object.values(inputs), ...Object.values(outputs)]) {
                    expect(Object.keys(v)).toEqual(["localizedName", "value", "variableName"]);
                    for (const x of Object.values(v)) expect(typeof x).toBe("string");
                }
                expect(item).not.toHaveProperty("children");
            }
        }
        for (const m of ["Conditionals", "Loops", "Flow", "UIAutomation", "Excel", "WebAutomation"]) expect(modules).toContain(m);
    });

    it("use several key spellings, nested children, subflow calls, loops and log messages", () => {
        const shapes = new Set<string>();
        const names = new Set<string>();
        let nested = 0;
        for (const { env, r } of v1Runs) {
            if (r.v1!.malformed) continue;
            const doc = decodeBytes(env.additionalContext(r.runId)!) as Record<string, unknown>;
            const key = Object.keys(doc).find((k) => Array.isArray(doc[k]))!;
            shapes.add(`${key}${r.style === "real" ? " (real)" : ""}`);
            for (const a of flattenDocument(doc)) {
                names.add(`${a.name}|${a.systemName}`);
                if (a.depth > 0) nested++;
            }
        }
        expect([...shapes].sort()).toEqual(["Actions", "actionLogs", "actions", "actions (real)", "logs"]);
        expect(nested).toBeGreaterThan(0);
        for (const n of ["Run subflow|Flow.CallFunction", "If|Conditionals.If", "Log message|Logging.LogMessage", "Click UI element in window|UIAutomation.Click"]) expect(names).toContain(n);
        expect([...names].some((n) => n.startsWith("Loop|Loops.Loop") || n.startsWith("For each|Loops.ForEach"))).toBe(true);
        for (const n of names) expect(n.split("|")[1]).toMatch(/^[A-Z][A-Za-z]+(\.[A-Za-z]+)+$/);
    });

    it("include malformed documents of each kind that really fail to read", () => {
        const malformed = v1Runs.filter(({ r }) => r.v1!.malformed);
        const kinds = new Set(malformed.map(({ r }) => r.v1!.malformed!.split(":")[0]));
        expect([...kinds].sort()).toEqual(["bad-base64", "non-utf8", "truncated-gzip", "truncated-json", "unknown-shape"]);
        for (const { env, r } of malformed) {
            expect(() => flattenDocument(decodeBytes(env.additionalContext(r.runId)!))).toThrow();
            // The manifest expects nothing readable unless V2 rows exist for the run.
            if (!r.v2) expect(r.actions).toBe(0);
            // A real-shape document is plain JSON even when broken.
            if (r.style === "real") expect(r.v1!.encoding).toBe("json");
        }
    });

    it("exist only for failed runs in an environment that logs on failure only, and never for runs without a log", () => {
        const fab = expectedOf("fabrikam-emea");
        expect(fab.some((r) => r.v1)).toBe(true);
        for (const r of fab) if (r.v1 || r.v2) expect(r.statusCode).toBe(8);
        const env = envByName("contoso-prod");
        for (const r of expectedOf("contoso-prod")) if (!r.v1) expect(env.additionalContext(r.runId)).toBeUndefined();
        expect(expectedOf("contoso-ops").every((r) => r.v1 === null)).toBe(true);
    });
});

describe("real-shape structure (V1 list and V2 rows alike)", () => {
    it("lists actions in execution order with start <= end, and shows nesting only through time spans", () => {
        let nested = 0;
        for (const { actions } of realLogs) {
            for (let i = 0; i < actions.length; i++) {
                const a = actions[i];
                if (i > 0) expect(a.startTicks > actions[i - 1].startTicks).toBe(true);
                if (a.endTicks !== null) expect(a.endTicks >= a.startTicks).toBe(true);
                // Each enclosing action spans the whole of its child (when both ends are known).
                if (a.parent !== null && a.endTicks !== null) expect(a.endTicks <= actions[a.parent].endTicks!).toBe(true);
                if (a.depth > 0) nested++;
                if (a.depth === 0) expect(a.subflow).toBe("main");
            }
        }
        expect(nested).toBeGreaterThan(1000);
    });

    it("logs an If as a short entry that ends before the next action starts, so it is never a parent", () => {
        let ifs = 0;
        for (const { actions } of realLogs) {
            actions.forEach((a, i) => {
                if (a.systemName !== "Conditionals.If") return;
                ifs++;
                expect(a.endTicks).not.toBeNull();
                const ms = Number(a.endTicks! - a.startTicks) / 10_000;
                expect(ms).toBeGreaterThan(4);
                expect(ms).toBeLessThan(16);
                if (i + 1 < actions.length) expect(actions[i + 1].startTicks >= a.endTicks!).toBe(true);
                expect(["True", "False"]).toContain((a.raw.inputs as Record<string, { value: string }>).expression.value);
            });
            for (const a of actions) if (a.parent !== null) expect(actions[a.parent].systemName).not.toBe("Conditionals.If");
        }
        expect(ifs).toBeGreaterThan(50);
    });

    it("encloses a called subflow in its Run subflow's span, and loop iterations in the loop's", () => {
        let calls = 0;
        let loops = 0;
        for (const { actions } of realLogs) {
            actions.forEach((a, i) => {
                const children = actions.filter((c) => c.parent === i);
                if (a.systemName === "Flow.CallFunction") {
                    calls++;
                    const callee = (a.raw.inputs as Record<string, { value: string }>).subflow.value;
                    expect(callee).not.toBe(a.subflow);
                    // Unless the run stopped right at the call, the callee's first action is next, inside the span.
                    if (i + 1 < actions.length && children.length > 0) expect(actions[i + 1].parent).toBe(i);
                    for (const c of children) expect(c.subflow).toBe(callee);
                }
                if (a.systemName === "Loops.Loop" || a.systemName === "Loops.ForEach") {
                    loops++;
                    for (const c of children) expect(c.subflow).toBe(a.subflow);
                }
            });
            // An action outside main is (transitively) inside a Run subflow of its subflow.
            actions.forEach((a) => {
                if (a.subflow === "main") return;
                let p = a.parent;
                while (p !== null && actions[p].systemName !== "Flow.CallFunction") p = actions[p].parent;
                expect(p).not.toBeNull();
                expect((actions[p!].raw.inputs as Record<string, { value: string }>).subflow.value).toBe(a.subflow);
            });
        }
        expect(calls).toBeGreaterThan(50);
        expect(loops).toBeGreaterThan(50);
    });

    it("gives a failed action an error with code, correlation id and message, and handles failures inside error handling", () => {
        let runFailures = 0;
        const handledRuns = new Set<string>();
        const succeededWithHandled = new Set<string>();
        for (const { r, actions } of realLogs) {
            for (const a of actions) {
                const inside = a.raw.insideErrorHandling === true;
                if (inside) expect(a.subflow).not.toBe("main");
                if (!isFailed(a.status)) {
                    expect(a.raw).not.toHaveProperty("error");
                    continue;
                }
                const error = a.raw.error as Record<string, unknown>;
                expect(Object.keys(error)).toEqual(["code", "correlationId", "message"]);
                expect(error.code).toMatch(/^[A-Z][A-Za-z]+$/);
                expect(error.correlationId).toMatch(GUID);
                expect(String(error.message).length).toBeGreaterThan(10);
                if (inside) {
                    handledRuns.add(r.runId);
                    if (r.statusCode === 4) succeededWithHandled.add(r.runId);
                    // The run carried on after it.
                    expect(actions.at(-1)).not.toBe(a);
                } else {
                    runFailures++;
                    expect(r.statusCode).toBe(8);
                    expect(actions.at(-1)).toBe(a);
                }
            }
            // Within a run, a subflow is either all inside error handling or not at all.
            const bySubflow = new Map<string, boolean>();
            for (const a of actions) {
                const seen = bySubflow.get(a.subflow);
                if (seen !== undefined) expect(a.raw.insideErrorHandling).toBe(seen);
                bySubflow.set(a.subflow, a.raw.insideErrorHandling === true);
            }
        }
        expect(runFailures).toBeGreaterThan(5);
        expect(handledRuns.size).toBeGreaterThan(3);
        expect(succeededWithHandled.size).toBeGreaterThan(0);
        const realRuns = new Set(realLogs.map((l) => l.r.runId));
        expect(handledRuns.size / realRuns.size).toBeLessThan(0.1);
    });

    it("leaves the end of a cancelled run's last action unknown: null or .NET MinValue, with or without the V2 duration", () => {
        const endForms = new Set<string>();
        const durationForms = new Set<string>();
        let cancelled = 0;
        for (const { r, actions, rows } of realLogs) {
            const last = actions.at(-1)!;
            if (r.statusCode !== 7) {
                for (const a of actions) expect(a.raw.endTime).toMatch(ISO7);
                continue;
            }
            cancelled++;
            for (const a of actions.slice(0, -1)) expect(a.raw.endTime).toMatch(ISO7);
            expect([null, MIN_VALUE]).toContain(last.raw.endTime);
            endForms.add(String(last.raw.endTime));
            expect(ticksOf(last.raw.endTime)).toBeNull();
            if (rows) {
                const row = rows.find((x) => x.type === 100000001 && Number(x.logindex) === actions.length - 1)!;
                durationForms.add(row.duration === null ? "null" : "kept");
                if (row.duration !== null) expect(last.durationMs).toBe(row.duration);
                else expect(last.durationMs).toBeNull();
            } else {
                expect(last.durationMs).toBeNull();
            }
        }
        expect(cancelled).toBeGreaterThan(3);
        expect([...endForms].sort()).toEqual([MIN_VALUE, "null"]);
        expect([...durationForms].sort()).toEqual(["kept", "null"]);
    });

    it("has secret-like inputs or outputs (password, token) in several flows, for redaction", () => {
        const flows = new Set<string>();
        const kinds = new Set<string>();
        for (const { r, actions } of realLogs) {
            for (const a of actions) {
                for (const [key, v] of [...Object.entries(a.raw.inputs as object), ...Object.entries(a.raw.outputs as object)] as Array<[string, { value: string; variableName: string }]>) {
                    if (!SECRET.test(key) && !SECRET.test(v.variableName)) continue;
                    flows.add(r.flowId);
                    kinds.add(SECRET.test(key) ? `key:${key}` : `variable:${v.variableName}`);
                    expect(v.value.length).toBeGreaterThan(6);
                }
            }
        }
        expect(flows.size).toBeGreaterThanOrEqual(5);
        expect(kinds).toContain("key:password");
        expect([...kinds].some((k) => /^variable:.*Token/.test(k))).toBe(true);
    });
});

describe("V2 logs (flowlog rows)", () => {
    it("exist only for cloud-triggered runs, with the manifest's action count and other row types to ignore", () => {
        let withV2 = 0;
        for (const env of ds.environments) {
            const rows = new Map(env.flowsessions.map((r) => [String(r.flowsessionid), r]));
            for (const r of expectedOf(env.name)) {
                const logs = env.flowLogs(r.runId);
                if (!r.v2) {
                    expect(logs).toEqual([]);
                    continue;
                }
                withV2++;
                expect(rows.get(r.runId)!.triggertype).toBe(0);
                const actions = v2Actions(logs);
                expect(actions.length).toBe(r.actions);
                expect(runFailuresOf(actions)).toBe(r.failedActions);
                expect(logs.some((l) => l.type !== 100000001)).toBe(true);
                for (const l of logs) {
                    expect(l._flowsessionid_value).toBe(r.runId);
                    expect(Number(l.ttlinseconds)).toBeGreaterThan(0);
                }
            }
        }
        expect(withV2).toBeGreaterThan(0);
        // Not every run in the V2-only environment is cloud-triggered, and those have no log.
        const ops = envByName("contoso-ops").flowsessions;
        expect(ops.some((r) => r.triggertype !== 0 && r.completedon !== null)).toBe(true);
    });

    it("in the real shape: logindex 0..n-1 served out of order, one createdon per run, duration in ms, the V1 keys in data", () => {
        const real = logs.filter((l) => l.source === "V2" && l.r.style === "real");
        expect(real.length).toBeGreaterThan(50);
        let outOfOrder = 0;
        for (const { rows, actions } of real) {
            const actionRows = rows!.filter((x) => x.type === 100000001);
            const indexes = actionRows.map((x) => Number(x.logindex));
            expect([...indexes].sort((a, b) => a - b)).toEqual(indexes.map((_, i) => i));
            if (indexes.some((x, i) => x !== i)) outOfOrder++;
            expect(new Set(actionRows.map((x) => x.createdon)).size).toBe(1);
            for (const x of actionRows) {
                expect(Object.keys(x)).toEqual(expect.arrayContaining(["flowlogid", "logindex", "duration", "level", "type", "createdon", "data"]));
                const d = JSON.parse(String(x.data)) as Record<string, unknown>;
                expect(Object.keys(d).filter((k) => k !== "error")).toEqual(REAL_KEYS);
                expect(x.level).toBe(d.status === "Failed" ? 100000004 : 100000002);
            }
            for (const [i, a] of actions.entries()) {
                const row = actionRows.find((x) => Number(x.logindex) === i)!;
                if (a.endTicks !== null && ticksOf(a.raw.endTime) !== null) {
                    expect(Number.isInteger(row.duration)).toBe(true);
                    expect(Math.abs(Number(row.duration) - Number(a.endTicks - a.startTicks) / 10_000)).toBeLessThanOrEqual(0.5);
                }
            }
        }
        expect(outOfOrder / real.length).toBeGreaterThan(0.9);
    });

    it("keeps the legacy data shape, in order, for alias-style runs", () => {
        const legacy = logs.filter((l) => l.source === "V2" && l.r.style !== "real");
        expect(legacy.length).toBeGreaterThan(0);
        for (const { rows } of legacy) {
            const d = rows!.filter((x) => x.type === 100000001).map((x) => JSON.parse(String(x.data)) as Record<string, unknown>);
            expect(d.map((x) => x.sequence)).toEqual(d.map((_, i) => i));
            for (const x of d) expect(x).toHaveProperty("parentSequence");
        }
    });

    it("agrees with the V1 document of the same run where both exist", () => {
        const both = ds.environments.flatMap((env) => expectedOf(env.name).filter((r) => r.v2 && r.v1 && !r.v1.malformed && r.style === "real").map((r) => ({ env, r })));
        expect(both.length).toBeGreaterThan(0);
        for (const { env, r } of both) {
            const v1 = (decodeBytes(env.additionalContext(r.runId)!) as { actions: unknown[] }).actions;
            const v2 = v2Actions(env.flowLogs(r.runId)).map((a) => a.raw);
            expect(v2).toEqual(v1);
        }
    });
});
