import { gzipSync } from "node:zlib";

/**
 * Grammar-based mutation of real-shape logs (docs/data-contract.md, "Log shapes"): start from a valid V1
 * document or V2 row set built from the documented keys, then apply a few mutations drawn from what
 * hostile or broken producers write: values of the wrong type or out of every column's range, impossible
 * dates, lone surrogates, missing and unknown keys, deep nesting, broken encodings, truncation. Seeded:
 * a failing case is reproduced from its seed alone.
 */
export class Rng {
    constructor(private s: number) {}
    next(): number {
        // mulberry32
        this.s = (this.s + 0x6d2b79f5) | 0;
        let t = this.s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    int(lo: number, hi: number): number {
        return lo + Math.floor(this.next() * (hi - lo + 1));
    }
    pick<T>(xs: readonly T[]): T {
        return xs[Math.floor(this.next() * xs.length)];
    }
    /** A fresh copy: a pooled object placed in two spots and then mutated would make a cycle. */
    hostile(): unknown {
        return structuredClone(this.pick(HOSTILE_VALUES));
    }
    chance(p: number): boolean {
        return this.next() < p;
    }
}

type Json = Record<string, unknown>;

const MODULES = [["UIAutomation", "Click"], ["WebAutomation", "Click"], ["Excel", "LaunchExcel.LaunchAndOpenUnderExistingProcess"], ["Variables", "SetVariable"], ["Loops", "LoopWithIndex"], ["Conditionals", "If"], ["System", "Wait"]] as const;

const iso7 = (ms: number, sub: number) => new Date(ms).toISOString().replace(/Z$/, `${String(sub).padStart(4, "0")}Z`);

/** A valid real-shape action list: flat, execution order, a container span now and then. */
export function realActions(rng: Rng): Json[] {
    const n = rng.int(1, 30);
    let clock = Date.UTC(2026, 10, 5, 8) + rng.int(0, 86_400_000);
    const out: Json[] = [];
    for (let i = 0; i < n; i++) {
        const [module, action] = rng.pick(MODULES);
        const start = clock;
        const dur = rng.int(0, 5000);
        const failed = rng.chance(0.1);
        out.push({
            name: `${action} ${i}`, systemActionName: action, systemModuleName: module, localizedModuleName: module,
            startTime: iso7(start, rng.int(0, 9999)), endTime: iso7(start + dur, 9999), index: rng.int(1, 200),
            functionName: rng.pick(["main", "Login", "Export"]), insideErrorHandling: failed && rng.chance(0.5), status: failed ? "Failed" : "Succeeded",
            inputs: { value: { localizedName: "Value", value: `v${i}`, variableName: rng.pick(["", "Password", "Item"]) } },
            outputs: {},
            ...(failed ? { error: { code: "E", correlationId: "5b0d7c2e-3f41-4f7a-9a55-0c1d2e3f4a5b", message: "failed" } } : {}),
        });
        clock = start + (rng.chance(0.2) ? 1 : dur + rng.int(1, 50));
    }
    return out;
}

const HOSTILE_VALUES: readonly unknown[] = [
    null, "", true, false, 0, -1, 1.5, 3_000_000_000, -3_000_000_000, 1e20, 1e30, 2 ** 63, -(2 ** 63), Number.MAX_SAFE_INTEGER,
    "\ud800", "a\udc00b", "\u0000", "x".repeat(300), [], [1, 2], {}, { value: "\ud800" }, { code: ["x"], message: { deep: 1 } },
    "2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z", "2026-11-01T25:99:00Z", "0001-01-01T00:00:00", "0050-01-01T00:00:00Z",
    "9999-12-31T23:59:59.9999999Z", "1969-12-31T23:59:59Z", "2026-11-05T08:00:00.1234567+14:00", "2026-11-05T08:00:00+25:00",
    "99:99:99", "-00:00:01", "1.02:03:04.5", "NaN", "Infinity", "1e400", "yesterday", "main", "MAIN", "Main",
];

const KEYS = ["name", "systemActionName", "systemModuleName", "startTime", "endTime", "index", "functionName", "insideErrorHandling", "status",
    "inputs", "outputs", "error", "duration", "durationMs", "level", "children", "sequence", "parentSequence", "depth", "correlationId", "errorCode"];

function mutateAction(a: Json, rng: Rng): void {
    const op = rng.int(0, 5);
    const key = rng.pick(KEYS);
    if (op <= 2) a[key] = rng.hostile();
    else if (op === 3) delete a[rng.pick(Object.keys(a).length ? Object.keys(a) : KEYS)];
    else if (op === 4) a[`unknown_${rng.int(0, 9)}`] = rng.hostile();
    else a.children = nest(rng.int(1, rng.chance(0.1) ? 200 : 5), rng);
}

function nest(depth: number, rng: Rng): Json[] {
    let node: Json[] = [{ name: "leaf", startTime: "2026-11-05T08:00:00Z" }];
    for (let d = 0; d < depth; d++) node = [{ name: `level ${d}`, startTime: rng.pick(["2026-11-05T08:00:00Z", "\ud800", null]), children: node }];
    return node;
}

/** A mutated V1 document as bytes (mostly plain JSON, sometimes wrapped or damaged on the wire). */
export function mutatedV1(rng: Rng): Buffer {
    const actions: unknown[] = realActions(rng);
    const mutations = rng.int(0, 4);
    for (let m = 0; m < mutations; m++) {
        const i = rng.int(0, actions.length - 1);
        if (rng.chance(0.1)) actions[i] = rng.hostile();
        else if (actions[i] !== null && typeof actions[i] === "object" && !Array.isArray(actions[i])) mutateAction(actions[i] as Json, rng);
    }
    let root: unknown = { actions, childFlowsLogStatus: "Default" };
    if (rng.chance(0.05)) root = { actions: rng.hostile() };
    if (rng.chance(0.03)) root = actions;
    if (rng.chance(0.03)) root = { telemetry: { steps: actions } };
    let text = JSON.stringify(root);
    if (rng.chance(0.05)) text = text.slice(0, rng.int(0, text.length));
    let bytes = Buffer.from(text, "utf8");
    const wire = rng.int(0, 19);
    if (wire === 0) bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    else if (wire === 1) bytes = Buffer.from(bytes.toString("base64"));
    else if (wire === 2) bytes = gzipSync(bytes);
    else if (wire === 3) bytes = gzipSync(bytes).subarray(0, rng.int(0, 40));
    else if (wire === 4) bytes = Buffer.concat([bytes.subarray(0, 10), Buffer.from([0xff, 0xfe, 0xc3]), bytes.subarray(10)]);
    else if (wire === 5) bytes = Buffer.from(bytes.toString("base64").replace(/A/g, "%"));
    return bytes;
}

/** Mutated V2 rows: real-shape data per row with logindex and duration, then row- and data-level damage. */
export function mutatedV2(rng: Rng, runId: string): unknown[] {
    const actions = realActions(rng);
    const rows: unknown[] = actions.map((a, i) => ({
        flowlogid: `${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`, logindex: i, type: 100000001, level: 100000002,
        duration: rng.chance(0.5) ? 12 : null, createdon: "2026-11-05T08:00:09Z", _flowsessionid_value: runId, data: JSON.stringify(a),
    }));
    for (let k = rows.length - 1; k > 0; k--) {
        const j = rng.int(0, k);
        [rows[k], rows[j]] = [rows[j], rows[k]];
    }
    const mutations = rng.int(0, 4);
    for (let m = 0; m < mutations; m++) {
        const i = rng.int(0, rows.length - 1);
        const row = rows[i] as Json;
        if (row === null || typeof row !== "object" || Array.isArray(row)) continue;
        const op = rng.int(0, 6);
        if (op === 0) rows[i] = rng.hostile();
        else if (op === 1) row[rng.pick(["logindex", "duration", "level", "type", "createdon", "flowlogid"])] = rng.hostile();
        else if (op === 2) row.data = rng.hostile();
        else if (op === 3 && typeof row.data === "string") row.data = row.data.slice(0, rng.int(0, row.data.length));
        else if (typeof row.data === "string" && isJsonObject(row.data)) {
            const data = JSON.parse(row.data) as Json;
            mutateAction(data, rng);
            if (rng.chance(0.3)) Object.assign(data, { sequence: rng.pick([i, -1, 3e9, null]), parentSequence: rng.pick([i, i + 1, -5, null]), depth: rng.pick([-1, 3e9, 0]) });
            row.data = JSON.stringify(data);
        }
    }
    return rows;
}

function isJsonObject(text: string): boolean {
    try {
        const v: unknown = JSON.parse(text);
        return v !== null && typeof v === "object" && !Array.isArray(v);
    } catch {
        return false;
    }
}
