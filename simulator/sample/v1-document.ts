/**
 * Serialises a run's actions into a V1 `additionalcontext` document in one of the alias key
 * spellings (docs/data-contract.md "Log shapes"; the real shape is built by real-shape.ts) and wire
 * encodings, and produces the malformed variants the decoder must quarantine. docs/sample-data.md
 * shows each shape.
 */
import { gzipSync } from "node:zlib";
import type { AliasStyle } from "./catalog.js";
import type { V1Encoding } from "./model.js";
import type { ActionRecord } from "./actions.js";

export type MalformedKind = "truncated-json" | "bad-base64" | "truncated-gzip" | "unknown-shape" | "non-utf8";

export const MALFORMED_KINDS: MalformedKind[] = ["truncated-json", "bad-base64", "truncated-gzip", "unknown-shape", "non-utf8"];

/** The encoding each malformed kind travels in (what a decoder detects before failing). */
export const MALFORMED_ENCODING: Record<MalformedKind, V1Encoding> = {
    "truncated-json": "json",
    "bad-base64": "base64",
    "truncated-gzip": "gzip",
    "unknown-shape": "json",
    "non-utf8": "json",
};

/** `<kind>: <why>`, so tests and people can tell the kinds apart. */
export const MALFORMED_REASON: Record<MalformedKind, string> = {
    "truncated-json": "truncated-json: document cut off mid-way",
    "bad-base64": "bad-base64: characters outside the alphabet and a length not a multiple of 4",
    "truncated-gzip": "truncated-gzip: gzip stream cut off mid-way",
    "unknown-shape": "unknown-shape: valid JSON with no known actions array",
    "non-utf8": "non-utf8: Latin-1 encoded bytes",
};

const iso = (ms: number): string => new Date(ms).toISOString();
/** .NET round-trip format: 7 fractional digits. */
const iso7 = (ms: number): string => iso(ms).replace(/\.(\d{3})Z$/, ".$10000Z");

/** .NET TimeSpan `hh:mm:ss.fffffff`. */
export function timeSpan(ms: number): string {
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor((ms % 3_600_000) / 60_000);
    const s = Math.floor((ms % 60_000) / 1000);
    const frac = String(ms % 1000).padStart(3, "0") + "0000";
    return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${frac}`;
}

type Json = Record<string, unknown>;

/** Rebuilds the nesting (children under their container) with a per-style item mapper. */
function nest(actions: ActionRecord[], item: (a: ActionRecord) => Json, childKey: string): Json[] {
    const roots: Json[] = [];
    const made: Json[] = new Array<Json>(actions.length);
    for (const a of actions) {
        const node = item(a);
        made[a.seq] = node;
        if (a.parentSeq === null) {
            roots.push(node);
        } else {
            const parent = made[a.parentSeq];
            ((parent[childKey] ??= []) as Json[]).push(node);
        }
    }
    return roots;
}

export function buildV1Document(style: AliasStyle, runId: string, actions: ActionRecord[]): Json {
    switch (style) {
        case "actions":
            return {
                version: "1.0",
                flowSessionId: runId,
                actions: nest(actions, (a) => ({
                    index: a.index,
                    name: a.name,
                    systemActionName: a.systemName,
                    functionName: a.subflow,
                    startTime: iso(a.start),
                    endTime: iso(a.end),
                    status: a.status,
                    level: a.status === "Failed" ? "Error" : "Info",
                    ...(a.errorCode ? { error: { code: a.errorCode, message: a.errorMessage } } : {}),
                }), "children"),
            };
        case "Actions":
            return {
                FlowRunId: runId,
                SchemaVersion: 2,
                Actions: nest(actions, (a) => ({
                    ActionIndex: a.index,
                    ActionName: a.name,
                    SystemActionName: a.systemName,
                    FunctionName: a.subflow,
                    StartedOn: iso7(a.start),
                    Duration: timeSpan(a.end - a.start),
                    Status: a.status,
                    ...(a.errorCode ? { Exception: { Code: a.errorCode, Message: a.errorMessage } } : {}),
                }), "SubActions"),
            };
        case "actionLogs":
            return {
                runId,
                actionLogs: nest(actions, (a) => ({
                    actionIndex: a.index,
                    actionName: a.name,
                    actionType: a.systemName,
                    subflow: a.subflow,
                    timestamp: iso(a.start),
                    durationMs: a.end - a.start,
                    result: a.status === "Failed" ? "Failed" : "Success",
                    ...(a.errorCode ? { error: { code: a.errorCode, message: a.errorMessage } } : {}),
                }), "subActions"),
            };
        case "logs":
            // Flat: one entry per action in execution order, no nesting.
            return {
                logs: actions.map((a) => ({
                    lineNumber: a.index,
                    displayName: a.name,
                    systemActionName: a.systemName,
                    subflowName: a.subflow,
                    start: iso(a.start),
                    end: iso(a.end),
                    durationInMilliseconds: a.end - a.start,
                    status: a.status,
                    ...(a.errorCode ? { errorMessage: a.errorMessage } : {}),
                })),
            };
    }
}

function gzip(data: Buffer): Buffer {
    const out = gzipSync(data, { level: 6 });
    out[9] = 0xff; // OS byte: "unknown", so the bytes do not depend on the platform that made them
    return out;
}

export function encodeV1(doc: Json, encoding: V1Encoding): Buffer {
    const text = JSON.stringify(doc);
    switch (encoding) {
        case "json":
            return Buffer.from(text, "utf8");
        case "json-bom":
            return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
        case "base64":
            return Buffer.from(Buffer.from(text, "utf8").toString("base64"), "ascii");
        case "gzip":
            return gzip(Buffer.from(text, "utf8"));
        case "gzip-base64":
            return gzip(Buffer.from(Buffer.from(text, "utf8").toString("base64"), "ascii"));
    }
}

export function malformedV1(doc: Json, kind: MalformedKind): Buffer {
    const text = JSON.stringify(doc);
    switch (kind) {
        case "truncated-json":
            return Buffer.from(text.slice(0, Math.floor(text.length * 0.55)), "utf8");
        case "bad-base64": {
            const b64 = Buffer.from(text, "utf8").toString("base64");
            const mid = Math.floor(b64.length / 2);
            // Characters outside the alphabet and a length that is not a multiple of 4.
            return Buffer.from(`${b64.slice(0, mid)}%$#!*${b64.slice(mid + 7)}`, "ascii");
        }
        case "truncated-gzip": {
            const gz = gzip(Buffer.from(text, "utf8"));
            return gz.subarray(0, Math.floor(gz.length * 0.6));
        }
        case "unknown-shape": {
            const items = Object.values(doc).find(Array.isArray) ?? [];
            return Buffer.from(JSON.stringify({ schemaVersion: 3, telemetry: { steps: items } }), "utf8");
        }
        case "non-utf8":
            return Buffer.from(JSON.stringify({ machineUser: "FABRIKAM\\jürgen.müller", note: "Rechnungsprüfung für Lieferant", ...doc }), "latin1");
    }
}
