/**
 * The ONE alias table (design.md §2): how key names found in action logs map to ActionRecord fields.
 * Matching is case-insensitive. When a new log shape turns up, `padlens inspect` shows which keys did
 * not map; adding them here is the whole fix.
 */
export const FIELD_ALIASES = {
    start: ["startTime", "startedOn", "start", "timestamp", "startTimeUtc"],
    end: ["endTime", "completedOn", "end", "endedOn"],
    duration: ["duration", "durationMs", "durationInMilliseconds"],
    actionIndex: ["index", "actionIndex", "lineNumber"],
    actionName: ["name", "actionName", "displayName"],
    systemActionName: ["systemActionName", "actionType"],
    subflow: ["functionName", "subflow", "subflowName"],
    status: ["status", "result"],
    level: ["level", "logLevel"],
    error: ["error", "errorMessage", "exception"],
    errorCode: ["errorCode"],
    children: ["children", "actions", "subActions"],
    // Flat logs (V2) carry the tree as numbers instead of nesting.
    sequence: ["sequence", "seq"],
    parentSequence: ["parentSequence", "parentSeq"],
    depth: ["depth"],
} as const;

export type AliasField = keyof typeof FIELD_ALIASES;

/** Keys of the document root that hold the action list. */
export const ACTION_LIST_KEYS = ["actions", "actionLogs", "logs"] as const;

const lookup = new Map<string, AliasField>();
for (const [field, names] of Object.entries(FIELD_ALIASES) as [AliasField, readonly string[]][]) {
    for (const n of names) lookup.set(n.toLowerCase(), field);
}

/** The field a key maps to, or undefined. */
export function aliasFor(key: string): AliasField | undefined {
    return lookup.get(key.toLowerCase());
}

/** Groups an object's values by alias field; the first key found for a field wins (in alias-table order). */
export function mapKeys(obj: Record<string, unknown>): Partial<Record<AliasField, { key: string; value: unknown }>> {
    const out: Partial<Record<AliasField, { key: string; value: unknown }>> = {};
    const byLower = new Map<string, string>();
    for (const k of Object.keys(obj)) if (!byLower.has(k.toLowerCase())) byLower.set(k.toLowerCase(), k);
    for (const [field, names] of Object.entries(FIELD_ALIASES) as [AliasField, readonly string[]][]) {
        for (const n of names) {
            const key = byLower.get(n.toLowerCase());
            if (key !== undefined && obj[key] !== undefined && obj[key] !== null) {
                out[field] = { key, value: obj[key] };
                break;
            }
        }
    }
    return out;
}

/** Finds the action list in a document root: a bare array, or the first list key (case-insensitive) holding an array. */
export function findActionList(root: unknown): { key: string | null; list: unknown[] } | null {
    if (Array.isArray(root)) return { key: null, list: root };
    if (root === null || typeof root !== "object") return null;
    const obj = root as Record<string, unknown>;
    for (const want of ACTION_LIST_KEYS) {
        for (const k of Object.keys(obj)) {
            if (k.toLowerCase() === want.toLowerCase() && Array.isArray(obj[k])) return { key: k, list: obj[k] as unknown[] };
        }
    }
    return null;
}
