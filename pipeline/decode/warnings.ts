import { QuarantineError, type DecodeResult } from "./action-record.js";
import type { MappedAction } from "./map-action.js";
import { toRecords, type Parents } from "./structure.js";

/**
 * The end of every decode: mapped actions become contract rows, and the run's warning count and first
 * warning are taken from them. A log is quarantined only when nothing in it maps to an action at all;
 * one unreadable field costs that field, not the run (docs/data-contract.md, "Decode warnings").
 */
export function finish(encoding: string, items: readonly MappedAction[], parents: Parents, rowDurations?: ReadonlyArray<number | null>): DecodeResult {
    if (items.length > 0 && !items.some((m) => m.mapped)) {
        throw new QuarantineError(`no action maps: none of the ${items.length} entries has a known key (${items[0].warning ?? "see padlens inspect"})`);
    }
    const actions = toRecords(items, parents, rowDurations);
    let warnings = 0;
    let firstWarning: string | null = null;
    for (const a of actions) {
        if (a.warning === null) continue;
        warnings++;
        firstWarning ??= a.warning;
    }
    return { ok: true, encoding, actions, warnings, firstWarning };
}
