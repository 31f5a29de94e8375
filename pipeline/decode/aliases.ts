/**
 * The ONE alias table (docs/data-contract.md, "Log shapes"): how key names found in action logs map to ActionRecord fields.
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
    module: ["systemModuleName", "moduleName", "module"],
    insideErrorHandling: ["insideErrorHandling", "isInsideErrorHandling"],
    subflow: ["functionName", "subflow", "subflowName"],
    status: ["status", "result"],
    level: ["level", "logLevel"],
    error: ["error", "errorMessage", "exception"],
    errorCode: ["errorCode"],
    errorCorrelationId: ["errorCorrelationId", "correlationId"],
    inputs: ["inputs", "inputParameters"],
    outputs: ["outputs", "outputParameters"],
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

/** For each key set seen, which key serves each field (in alias-table order). Logs repeat a few key sets. */
type Plan = Array<[AliasField, string[]]>;
const plans = new Map<string, Plan>();
/** The last few key sets, compared key by key: most actions repeat one of them, and this skips joining a signature. */
const recent: Array<{ keys: string[]; plan: Plan }> = [];

function sameKeys(a: string[], b: string[]): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}

function planFor(keys: string[]): Plan {
    for (const r of recent) if (sameKeys(r.keys, keys)) return r.plan;
    const signature = keys.join("\u0000");
    let plan = plans.get(signature);
    if (!plan) {
        const byLower = new Map<string, string>();
        for (const k of keys) if (!byLower.has(k.toLowerCase())) byLower.set(k.toLowerCase(), k);
        plan = [];
        for (const [field, names] of Object.entries(FIELD_ALIASES) as [AliasField, readonly string[]][]) {
            const candidates = names.map((n) => byLower.get(n.toLowerCase())).filter((k): k is string => k !== undefined);
            if (candidates.length) plan.push([field, candidates]);
        }
        if (plans.size > 1000) plans.clear(); // bounded: odd documents must not grow it forever
        plans.set(signature, plan);
    }
    recent.unshift({ keys, plan });
    if (recent.length > 4) recent.pop();
    return plan;
}

/** For each alias field, the key that serves it: the first alias present with a non-null value (in alias-table order). */
export function mapKeyNames(obj: Record<string, unknown>): Partial<Record<AliasField, string>> {
    const out: Partial<Record<AliasField, string>> = {};
    for (const [field, candidates] of planFor(Object.keys(obj))) {
        for (const key of candidates) {
            const value = obj[key];
            if (value !== undefined && value !== null) {
                out[field] = key;
                break;
            }
        }
    }
    return out;
}

/** Groups an object's values by alias field; the first alias present with a non-null value wins (in alias-table order). */
export function mapKeys(obj: Record<string, unknown>): Partial<Record<AliasField, { key: string; value: unknown }>> {
    const out: Partial<Record<AliasField, { key: string; value: unknown }>> = {};
    for (const [field, key] of Object.entries(mapKeyNames(obj)) as [AliasField, string][]) out[field] = { key, value: obj[key] };
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
