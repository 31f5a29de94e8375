/**
 * A deliberately simple, strict reference reader for the generated logs, independent of the
 * generator's code: detects gzip / BOM / base64 / JSON, decodes UTF-8 strictly and flattens actions
 * through the alias table (docs/data-contract.md, "Log shapes"). Used by the tests only.
 *
 * Expected structure (parent, depth):
 * - nested alias documents: as nested (children under their container);
 * - flat lists (the real shape, V1 and V2, and the flat `logs` alias): what the spans show. The
 *   parent of an action is the nearest earlier action whose span strictly encloses the action's
 *   start (parent start <= start < parent end, compared at the log's full 100-ns precision); depth
 *   is the number of such enclosing ancestors. An action whose end is unknown encloses nothing.
 *   In the real shape an If ends before its body starts, so it is never a parent and its body
 *   belongs to whatever encloses the If;
 * - legacy V2 rows: as stated (`parentSequence`, `depth`).
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { DataverseRow, SampleDataset } from "../../../simulator/sample/model.js";

const ARRAY_KEYS = ["actions", "actionlogs", "logs"];
const CHILD_KEYS = ["children", "actions", "subactions"];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const FLOWLOG_ACTION = 100000001;

export interface RefAction {
    name: string;
    /** `<module>.<action>`: the real shape's systemModuleName + "." + systemActionName, else as logged. */
    systemName: string;
    subflow: string;
    startMs: number;
    /** End - start truncated to ms; the V2 `duration` column when the end is unknown; null when neither. */
    durationMs: number | null;
    status: string;
    depth: number;
    /** Index in this list of the enclosing action, null at top level. */
    parent: number | null;
    /** Start and end in 100-ns ticks since the epoch (end null when unknown). */
    startTicks: bigint;
    endTicks: bigint | null;
    /** The raw item (real shape: the object Microsoft writes). */
    raw: Record<string, unknown>;
    real: boolean;
}

/** Bytes -> parsed JSON; throws when the bytes are not a readable document. */
export function decodeBytes(bytes: Buffer, depth = 0): unknown {
    if (depth > 3) throw new Error("too many layers");
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return decodeBytes(gunzipSync(bytes), depth + 1);
    let body = bytes;
    if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
    const text = new TextDecoder("utf-8", { fatal: true }).decode(body).trim();
    if (text.startsWith("{") || text.startsWith("[")) return JSON.parse(text);
    if (text.length % 4 === 0 && BASE64.test(text)) return decodeBytes(Buffer.from(text, "base64"), depth + 1);
    throw new Error("neither JSON, base64 nor gzip");
}

function field(item: Record<string, unknown>, names: string[]): unknown {
    for (const [k, v] of Object.entries(item)) if (names.includes(k.toLowerCase())) return v;
    return undefined;
}

function durationMs(value: unknown): number {
    if (typeof value === "number") return value;
    const m = /^(\d+):(\d{2}):(\d{2})\.(\d+)$/.exec(String(value));
    if (!m) throw new Error(`bad duration ${String(value)}`);
    return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + Math.round(Number(`0.${m[4]}`) * 1000);
}

const UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?Z$/;

/** An ISO UTC timestamp in 100-ns ticks; null for null, .NET MinValue or anything that is not `...Z` after 1970. */
export function ticksOf(value: unknown): bigint | null {
    if (typeof value !== "string") return null;
    const m = UTC.exec(value);
    if (!m) return null;
    const seconds = Date.parse(`${m[1]}Z`);
    if (!Number.isFinite(seconds) || seconds < 0) return null;
    return BigInt(seconds) * 10_000n + BigInt((m[2] ?? "").padEnd(7, "0"));
}

const msOf = (ticks: bigint): number => Number(ticks / 10_000n);

/**
 * Parent and depth of each action of a flat list, from the spans (see the header). Starts must not
 * decrease (the tests check it), so an action whose end is at or before one start encloses no
 * later start either: a stack of still-open actions, whose top is the nearest earlier open one.
 */
export function deriveFromSpans(actions: RefAction[]): void {
    const open: number[] = [];
    for (let i = 0; i < actions.length; i++) {
        const a = actions[i];
        while (open.length > 0 && (actions[open[open.length - 1]].endTicks as bigint) <= a.startTicks) open.pop();
        const j = open.length > 0 ? open[open.length - 1] : null;
        a.parent = j;
        a.depth = j === null ? 0 : actions[j].depth + 1;
        if (a.endTicks !== null) open.push(i);
    }
}

/** A real-shape item (V1 list entry or V2 `data`); `duration` is the V2 row's column. */
function realAction(item: Record<string, unknown>, duration: number | null): RefAction {
    const startTicks = ticksOf(item.startTime);
    if (startTicks === null) throw new Error(`bad startTime ${String(item.startTime)}`);
    let endTicks = ticksOf(item.endTime);
    let ms: number | null = endTicks === null ? null : msOf(endTicks) - msOf(startTicks);
    if (endTicks === null && duration !== null) {
        endTicks = startTicks + BigInt(duration) * 10_000n;
        ms = duration;
    }
    return {
        name: String(item.name), systemName: `${String(item.systemModuleName)}.${String(item.systemActionName)}`, subflow: String(item.functionName),
        startMs: msOf(startTicks), durationMs: ms, status: String(item.status), depth: 0, parent: null, startTicks, endTicks, raw: item, real: true,
    };
}

const isReal = (item: unknown): boolean => typeof item === "object" && item !== null && "systemModuleName" in item;

/** Flattens a decoded V1 document in list order; throws when it has no known actions array. */
export function flattenDocument(doc: unknown): RefAction[] {
    if (typeof doc !== "object" || doc === null) throw new Error("not an object");
    const top = Object.entries(doc).find(([k, v]) => ARRAY_KEYS.includes(k.toLowerCase()) && Array.isArray(v));
    if (!top) throw new Error("no known actions array");
    const items = top[1] as unknown[];
    if (items.length > 0 && items.every(isReal)) {
        const out = items.map((item) => realAction(item as Record<string, unknown>, null));
        deriveFromSpans(out);
        return out;
    }
    const out: RefAction[] = [];
    let nested = false;
    const walk = (list: unknown[], depth: number, parent: number | null): void => {
        for (const raw of list) {
            const item = raw as Record<string, unknown>;
            const start = Date.parse(String(field(item, ["starttime", "startedon", "start", "timestamp"])));
            const end = field(item, ["endtime", "completedon", "end"]);
            const duration = field(item, ["duration", "durationms", "durationinmilliseconds"]);
            const ms = duration !== undefined ? durationMs(duration) : Date.parse(String(end)) - start;
            const self = out.length;
            out.push({
                name: String(field(item, ["name", "actionname", "displayname"])),
                systemName: String(field(item, ["systemactionname", "actiontype"])),
                subflow: String(field(item, ["functionname", "subflow", "subflowname"])),
                startMs: start,
                durationMs: ms,
                status: String(field(item, ["status", "result"])),
                depth, parent, startTicks: BigInt(start) * 10_000n, endTicks: BigInt(start + ms) * 10_000n, raw: item, real: false,
            });
            const children = Object.entries(item).find(([k, v]) => CHILD_KEYS.includes(k.toLowerCase()) && Array.isArray(v));
            if (children) {
                nested = true;
                walk(children[1] as unknown[], depth + 1, self);
            }
        }
    };
    walk(items, 0, null);
    if (!nested) deriveFromSpans(out);
    return out;
}

export function isFailed(status: string): boolean {
    return /^fail/i.test(status);
}

/** Action rows of a run's V2 log, in execution order: by `logindex` (real shape) or `sequence` (legacy). */
export function v2Actions(rows: DataverseRow[]): RefAction[] {
    const parsed = rows.filter((r) => r.type === FLOWLOG_ACTION).map((r) => ({ row: r, d: JSON.parse(String(r.data)) as Record<string, unknown> }));
    if (parsed.length > 0 && parsed.every((x) => isReal(x.d))) {
        parsed.sort((a, b) => Number(a.row.logindex) - Number(b.row.logindex));
        const out = parsed.map((x) => realAction(x.d, x.row.duration === null || x.row.duration === undefined ? null : Number(x.row.duration)));
        deriveFromSpans(out);
        return out;
    }
    parsed.sort((a, b) => Number(a.d.sequence) - Number(b.d.sequence));
    const index = new Map(parsed.map((x, i) => [Number(x.d.sequence), i]));
    return parsed.map(({ d }) => {
        const start = Date.parse(String(d.startTime));
        return {
            name: String(d.actionName), systemName: String(d.systemActionName), subflow: String(d.subflowName),
            startMs: start, durationMs: Number(d.durationMs), status: String(d.status), depth: Number(d.depth),
            parent: d.parentSequence === null ? null : (index.get(Number(d.parentSequence)) ?? null),
            startTicks: BigInt(start) * 10_000n, endTicks: BigInt(Date.parse(String(d.endTime))) * 10_000n, raw: d, real: false,
        };
    });
}

/** One hash over every row, every log and the manifest of a dataset. */
export function datasetHash(dataset: SampleDataset): string {
    const h = createHash("sha256");
    for (const env of dataset.environments) {
        h.update(JSON.stringify([env.name, env.tenantId, env.clientId, env.clientSecret, env.organization, env.workflows, env.flowmachinegroups, env.flowmachines, env.flowsessions]));
        for (const run of env.flowsessions) {
            const id = String(run.flowsessionid);
            h.update(env.additionalContext(id) ?? Buffer.alloc(0));
            h.update(JSON.stringify(env.flowLogs(id)));
        }
    }
    h.update(JSON.stringify(dataset.manifest));
    return h.digest("hex");
}
