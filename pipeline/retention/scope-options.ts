import { RUN_STATUS } from "../load/labels.js";
import type { Row } from "../store/raw-store.js";
import { parseGuid } from "../util/ids.js";

/**
 * The command line's `--status` and `--flow` as the scope needs them: status names (or codes) to
 * flowsession.statuscode values, flow names (or ids) to workflow ids of one environment.
 */
const STATUS_BY_NAME = new Map(Object.entries(RUN_STATUS).map(([code, name]) => [name.toLowerCase(), Number(code)]));
// Dataverse's label and the one people type.
STATUS_BY_NAME.set("canceled", 7);

/** `Succeeded,Failed` (any case, comma or repeated flags) -> [4, 8]; throws naming the accepted names. */
export function parseStatuses(values: string[]): number[] {
    const codes = new Set<number>();
    for (const item of values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean)) {
        const code = /^\d+$/.test(item) ? Number(item) : STATUS_BY_NAME.get(item.toLowerCase());
        if (code === undefined || RUN_STATUS[code] === undefined) {
            throw new Error(`--status '${item}': one of ${Object.values(RUN_STATUS).join(", ")} (or their codes)`);
        }
        codes.add(code);
    }
    return [...codes].sort((a, b) => a - b);
}

export interface ResolvedFlows {
    /** Lowercase workflow ids. */
    ids: string[];
    /** The --flow values that name no flow of this environment. */
    unknown: string[];
}

/**
 * `--flow` values against an environment's workflows (the raw store's snapshot): a GUID is taken as it is,
 * a name matches every flow of that name (case-insensitive; a name can repeat across solutions).
 */
export function resolveFlows(values: string[], workflows: Row[]): ResolvedFlows {
    const ids = new Set<string>();
    const unknown: string[] = [];
    for (const value of values.map((v) => v.trim()).filter(Boolean)) {
        const guid = parseGuid(value);
        if (guid) {
            ids.add(guid);
            continue;
        }
        const matches = workflows.filter((w) => typeof w.name === "string" && w.name.toLowerCase() === value.toLowerCase()).map((w) => parseGuid(w.workflowid)).filter((id): id is string => id !== undefined);
        if (matches.length === 0) unknown.push(value);
        for (const id of matches) ids.add(id);
    }
    return { ids: [...ids].sort(), unknown };
}
