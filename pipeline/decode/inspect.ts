import { DEFAULT_DECODE_OPTIONS, type ActionRecord, type DecodeOptions, type DecodeResult } from "./action-record.js";
import { ACTION_LIST_KEYS, FIELD_ALIASES, aliasFor, mapKeys } from "./aliases.js";
import { decodeV1, type V1Trace } from "./v1.js";
import { decodeV2, FLOWLOG_ACTION_TYPE, type V2Trace } from "./v2.js";
import { typeName } from "./values.js";

export interface KeyReport {
    key: string;
    count: number;
    /** The ActionRecord field it maps to, or null. */
    field: string | null;
    note: string;
}

export interface DecodedSummary {
    ok: true;
    actions: number;
    maxDepth: number;
    containers: number;
    /** Failed outside error handling: what counts as the run's failures. */
    failed: number;
    /** Failed inside error handling. */
    handledFailures: number;
    /** Actions per module, most first (modules the log names). */
    modules: Array<{ module: string; actions: number }>;
    insideErrorHandling: number;
    unknownStarts: number;
    unknownEnds: number;
    /** Actions with a field that could not be read (that field is null in the tables). */
    warnings: number;
    /** The first few of them, as the build records them. */
    sampleWarnings: string[];
}

export interface InspectReport {
    source: "V1" | "V2";
    bytes: number;
    encoding: string;
    shape: string;
    actionListKey: string | null;
    rootKeys: string[];
    keys: KeyReport[];
    result: DecodedSummary | { ok: false; reason: string };
}

/** Key statistics look at this many action objects at most: enough to show a shape, bounded for huge logs. */
const KEY_SAMPLE = 100_000;

/**
 * What `padlens inspect` shows about a V1 document: the build's own decode (same function, same options,
 * so it says exactly what the build will do) plus the shape and key mapping a user needs to report an
 * unknown shape in one paste. Never throws.
 */
export function inspectV1(bytes: Uint8Array, options: DecodeOptions = DEFAULT_DECODE_OPTIONS): InspectReport {
    const trace: V1Trace = { encoding: "unknown" };
    const decoded = safely(() => decodeV1(bytes, options, trace));
    const root = trace.root;
    const report: InspectReport = {
        source: "V1", bytes: bytes.byteLength, encoding: decoded.encoding, shape: "unknown", actionListKey: trace.listKey ?? null,
        rootKeys: root !== null && typeof root === "object" && !Array.isArray(root) ? Object.keys(root).slice(0, 50) : [],
        keys: keyReport(trace.objects ?? []),
        result: summarise(decoded),
    };
    if (root === undefined) return report;
    if (trace.listKey === undefined) report.shape = `${typeName(root)} without an action list (looked for: a top-level array or ${ACTION_LIST_KEYS.join(", ")})`;
    else {
        const n = trace.objects?.length ?? 0;
        report.shape = trace.listKey === null ? `top-level array, ${n} action objects` : `object with "${trace.listKey}": ${n} action objects`;
    }
    return report;
}

/** The same for a run's V2 flowlog rows. */
export function inspectV2(rows: readonly unknown[], bytes: number, options: DecodeOptions = DEFAULT_DECODE_OPTIONS): InspectReport {
    const trace: V2Trace = { objects: [], types: new Map() };
    const decoded = safely(() => decodeV2(rows, options, trace));
    const described = [...trace.types].map(([t, n]) => `${t}${Number(t) === FLOWLOG_ACTION_TYPE ? " (action)" : " (ignored)"}=${n}`);
    return {
        source: "V2", bytes, encoding: "flowlog rows", actionListKey: null, rootKeys: [],
        shape: `${rows.length} flowlog rows by type: ${described.join(", ") || "none"}`,
        keys: keyReport(trace.objects),
        result: summarise(decoded),
    };
}

/** The decoders never throw by contract; inspect must not either, even if that contract is ever broken. */
function safely(decode: () => DecodeResult): DecodeResult {
    try {
        return decode();
    } catch (e) {
        return { ok: false, encoding: "unknown", reason: `decoder error: ${(e as Error).message}` };
    }
}

function summarise(r: DecodeResult): InspectReport["result"] {
    if (!r.ok) return { ok: false, reason: r.reason };
    const modules = new Map<string, number>();
    let maxDepth = 0, containers = 0, failed = 0, handled = 0, inside = 0, unknownStarts = 0, unknownEnds = 0;
    const sampleWarnings: string[] = [];
    for (const a of r.actions as ActionRecord[]) {
        maxDepth = Math.max(maxDepth, a.depth);
        if (a.isContainer) containers++;
        const isFailed = a.status?.toLowerCase() === "failed";
        if (isFailed && a.insideErrorHandling === true) handled++;
        else if (isFailed) failed++;
        if (a.insideErrorHandling === true) inside++;
        if (a.startedOn === null) unknownStarts++;
        if (a.endedOn === null) unknownEnds++;
        if (a.module !== null) modules.set(a.module, (modules.get(a.module) ?? 0) + 1);
        if (a.warning !== null && sampleWarnings.length < 5) sampleWarnings.push(a.warning);
    }
    return {
        ok: true, actions: r.actions.length, maxDepth, containers, failed, handledFailures: handled,
        modules: [...modules].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([module, actions]) => ({ module, actions })),
        insideErrorHandling: inside, unknownStarts, unknownEnds, warnings: r.warnings, sampleWarnings,
    };
}

function keyReport(objects: readonly Record<string, unknown>[]): KeyReport[] {
    const counts = new Map<string, { count: number; used: number }>();
    for (const o of objects.slice(0, KEY_SAMPLE)) {
        const used = new Set(Object.values(mapKeys(o)).map((m) => m!.key));
        for (const k of Object.keys(o)) {
            const c = counts.get(k) ?? { count: 0, used: 0 };
            c.count++;
            if (used.has(k)) c.used++;
            counts.set(k, c);
        }
        if (counts.size > 500) break; // a hostile document with endless distinct keys
    }
    return [...counts].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0])).map(([key, c]) => {
        const field = aliasFor(key) ?? null;
        let note: string;
        if (!field) note = `not mapped: no alias (add it to one of ${Object.keys(FIELD_ALIASES).join("|")} in pipeline/decode/aliases.ts)`;
        else if (c.used === c.count) note = `-> ${field}`;
        else if (c.used === 0) note = `-> ${field}, but never used: another alias of ${field} came first, or the value was null`;
        else note = `-> ${field} (used in ${c.used} of ${c.count}; elsewhere another alias came first or the value was null)`;
        return { key: key.slice(0, 200), count: c.count, field, note };
    });
}

export function formatInspect(r: InspectReport): string {
    const lines = [
        `source:    ${r.source} (${r.bytes} bytes)`,
        `encoding:  ${r.encoding}`,
        `shape:     ${r.shape}`,
    ];
    if (r.rootKeys.length) lines.push(`root keys: ${r.rootKeys.join(", ")}`);
    if (r.result.ok) {
        const x = r.result;
        lines.push(`decodes:   yes, ${x.actions} actions (max depth ${x.maxDepth}, ${x.containers} containers, ${x.failed} failed, ${x.handledFailures} failed inside error handling)`);
        lines.push(`modules:   ${x.modules.length ? x.modules.slice(0, 8).map((m) => `${m.module} ${m.actions}`).join(", ") + (x.modules.length > 8 ? `, +${x.modules.length - 8} more` : "") : "none named (system_action_name as logged)"}`);
        lines.push(`error handling: ${x.insideErrorHandling} actions inside an error handler`);
        lines.push(`unknown:   ${x.unknownStarts} starts, ${x.unknownEnds} ends (null in the tables)`);
        lines.push(x.warnings ? `warnings:  ${x.warnings} actions with a field that could not be read (that field is null):` : "warnings:  none");
        for (const w of x.sampleWarnings) lines.push(`  - ${w}`);
    } else lines.push(`decodes:   no, quarantined: ${r.result.reason}`);
    if (r.keys.length) {
        lines.push("action keys (count, mapping):");
        const w = Math.max(...r.keys.map((k) => k.key.length));
        for (const k of r.keys) lines.push(`  ${k.key.padEnd(w)}  ${String(k.count).padStart(7)}  ${k.note}`);
    }
    return lines.join("\n");
}
