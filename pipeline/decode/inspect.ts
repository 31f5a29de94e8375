import { QuarantineError } from "./action-record.js";
import { ACTION_LIST_KEYS, FIELD_ALIASES, aliasFor, findActionList, mapKeys } from "./aliases.js";
import { parseJson, unwrap } from "./encoding.js";
import { decodeV1 } from "./v1.js";
import { decodeV2, FLOWLOG_ACTION_TYPE } from "./v2.js";
import { typeName } from "./values.js";

export interface KeyReport {
    key: string;
    count: number;
    /** The ActionRecord field it maps to, or null. */
    field: string | null;
    note: string;
}

export interface InspectReport {
    source: "V1" | "V2";
    bytes: number;
    encoding: string;
    shape: string;
    actionListKey: string | null;
    rootKeys: string[];
    keys: KeyReport[];
    result: { ok: true; actions: number; maxDepth: number; failed: number } | { ok: false; reason: string };
}

/** What `padlens inspect` shows about a V1 document: enough for a user to report an unknown shape in one paste. */
export function inspectV1(bytes: Uint8Array): InspectReport {
    const decoded = decodeV1(bytes);
    const report: InspectReport = {
        source: "V1", bytes: bytes.byteLength, encoding: decoded.encoding, shape: "unknown", actionListKey: null, rootKeys: [], keys: [],
        result: decoded.ok ? summarise(decoded.actions) : { ok: false, reason: decoded.reason },
    };
    let root: unknown;
    try {
        root = parseJson(unwrap(bytes).text);
    } catch (e) {
        if (e instanceof QuarantineError) return report;
        throw e;
    }
    report.rootKeys = root !== null && typeof root === "object" && !Array.isArray(root) ? Object.keys(root) : [];
    const found = findActionList(root);
    if (!found) {
        report.shape = `${typeName(root)} without an action list (looked for: a top-level array or ${ACTION_LIST_KEYS.join(", ")})`;
        return report;
    }
    report.actionListKey = found.key;
    report.shape = found.key === null ? `top-level array of ${found.list.length}` : `object with "${found.key}": array of ${found.list.length}`;
    report.keys = keyReport(walk(found.list));
    return report;
}

/** The same for a run's V2 flowlog rows. */
export function inspectV2(rows: Array<Record<string, unknown>>, bytes: number): InspectReport {
    const decoded = decodeV2(rows);
    const actionRows = rows.filter((r) => Number(r.type) === FLOWLOG_ACTION_TYPE);
    const objects: Record<string, unknown>[] = [];
    for (const r of actionRows) {
        try {
            const d = typeof r.data === "string" ? (JSON.parse(r.data) as unknown) : null;
            if (d && typeof d === "object" && !Array.isArray(d)) objects.push(d as Record<string, unknown>);
        } catch {
            // reported through the decode result
        }
    }
    const types = new Map<string, number>();
    for (const r of rows) types.set(String(r.type), (types.get(String(r.type)) ?? 0) + 1);
    return {
        source: "V2", bytes, encoding: "flowlog rows", actionListKey: null, rootKeys: [],
        shape: `${rows.length} flowlog rows by type: ${[...types].map(([t, n]) => `${t}${Number(t) === FLOWLOG_ACTION_TYPE ? " (action)" : " (ignored)"}=${n}`).join(", ")}`,
        keys: keyReport(objects),
        result: decoded.ok ? summarise(decoded.actions) : { ok: false, reason: decoded.reason },
    };
}

function summarise(actions: Array<{ depth: number; status: string | null }>) {
    return { ok: true as const, actions: actions.length, maxDepth: actions.reduce((m, a) => Math.max(m, a.depth), 0), failed: actions.filter((a) => a.status?.toLowerCase() === "failed").length };
}

function walk(list: unknown[], acc: Record<string, unknown>[] = []): Record<string, unknown>[] {
    for (const item of list) {
        if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
        const o = item as Record<string, unknown>;
        acc.push(o);
        const children = mapKeys(o).children?.value;
        if (Array.isArray(children)) walk(children, acc);
    }
    return acc;
}

function keyReport(objects: Record<string, unknown>[]): KeyReport[] {
    const counts = new Map<string, { count: number; used: number }>();
    for (const o of objects) {
        const used = new Set(Object.values(mapKeys(o)).map((m) => m!.key));
        for (const k of Object.keys(o)) {
            const c = counts.get(k) ?? { count: 0, used: 0 };
            c.count++;
            if (used.has(k)) c.used++;
            counts.set(k, c);
        }
    }
    return [...counts].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0])).map(([key, c]) => {
        const field = aliasFor(key) ?? null;
        let note: string;
        if (!field) note = `not mapped: no alias (add it to one of ${Object.keys(FIELD_ALIASES).join("|")} in pipeline/decode/aliases.ts)`;
        else if (c.used === c.count) note = `-> ${field}`;
        else if (c.used === 0) note = `-> ${field}, but never used: another alias of ${field} came first, or the value was null`;
        else note = `-> ${field} (used in ${c.used} of ${c.count}; elsewhere another alias came first or the value was null)`;
        return { key, count: c.count, field, note };
    });
}

export function formatInspect(r: InspectReport): string {
    const lines = [
        `source:    ${r.source} (${r.bytes} bytes)`,
        `encoding:  ${r.encoding}`,
        `shape:     ${r.shape}`,
    ];
    if (r.rootKeys.length) lines.push(`root keys: ${r.rootKeys.join(", ")}`);
    lines.push(r.result.ok ? `decodes:   yes, ${r.result.actions} actions (max depth ${r.result.maxDepth}, ${r.result.failed} failed)` : `decodes:   no, quarantined: ${r.result.reason}`);
    if (r.keys.length) {
        lines.push("action keys (count, mapping):");
        const w = Math.max(...r.keys.map((k) => k.key.length));
        for (const k of r.keys) lines.push(`  ${k.key.padEnd(w)}  ${String(k.count).padStart(7)}  ${k.note}`);
    }
    return lines.join("\n");
}
