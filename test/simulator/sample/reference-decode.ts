/**
 * A deliberately simple, strict reference reader for the generated logs, independent of the
 * generator's code: detects gzip / BOM / base64 / JSON, decodes UTF-8 strictly and flattens actions
 * through the alias table of design.md §2. Used by the tests only.
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { DataverseRow, SampleDataset } from "../../../simulator/sample/model.js";

const ARRAY_KEYS = ["actions", "actionlogs", "logs"];
const CHILD_KEYS = ["children", "actions", "subactions"];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface RefAction {
    name: string;
    systemName: string;
    subflow: string;
    startMs: number;
    durationMs: number;
    status: string;
    depth: number;
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

/** Flattens a decoded V1 document depth-first; throws when it has no known actions array. */
export function flattenDocument(doc: unknown): RefAction[] {
    if (typeof doc !== "object" || doc === null) throw new Error("not an object");
    const top = Object.entries(doc).find(([k, v]) => ARRAY_KEYS.includes(k.toLowerCase()) && Array.isArray(v));
    if (!top) throw new Error("no known actions array");
    const out: RefAction[] = [];
    const walk = (items: unknown[], depth: number): void => {
        for (const raw of items) {
            const item = raw as Record<string, unknown>;
            const start = Date.parse(String(field(item, ["starttime", "startedon", "start", "timestamp"])));
            const end = field(item, ["endtime", "completedon", "end"]);
            const duration = field(item, ["duration", "durationms", "durationinmilliseconds"]);
            out.push({
                name: String(field(item, ["name", "actionname", "displayname"])),
                systemName: String(field(item, ["systemactionname", "actiontype"])),
                subflow: String(field(item, ["functionname", "subflow", "subflowname"])),
                startMs: start,
                durationMs: duration !== undefined ? durationMs(duration) : Date.parse(String(end)) - start,
                status: String(field(item, ["status", "result"])),
                depth,
            });
            const children = Object.entries(item).find(([k, v]) => CHILD_KEYS.includes(k.toLowerCase()) && Array.isArray(v));
            if (children) walk(children[1] as unknown[], depth + 1);
        }
    };
    walk(top[1] as unknown[], 0);
    return out;
}

export function isFailed(status: string): boolean {
    return /^fail/i.test(status);
}

/** Action rows of a run's V2 log, parsed. */
export function v2Actions(rows: DataverseRow[]): RefAction[] {
    return rows
        .filter((r) => r.type === 100000001)
        .map((r) => {
            const d = JSON.parse(String(r.data)) as Record<string, unknown>;
            return {
                name: String(d.actionName), systemName: String(d.systemActionName), subflow: String(d.subflowName),
                startMs: Date.parse(String(d.startTime)), durationMs: Number(d.durationMs), status: String(d.status), depth: Number(d.depth),
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
