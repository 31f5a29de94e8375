import type { DecodeResult } from "./action-record.js";
import { QuarantineError } from "./action-record.js";
import { findActionList } from "./aliases.js";
import { parseJson, unwrap } from "./encoding.js";
import { flattenActions } from "./map-action.js";

/** Decodes a V1 `additionalcontext` document (any encoding) into flattened action records. Never throws. */
export function decodeV1(bytes: Uint8Array): DecodeResult {
    let encoding = "unknown";
    try {
        const u = unwrap(bytes);
        encoding = u.encoding;
        const root = parseJson(u.text);
        const found = findActionList(root);
        if (!found) {
            const keys = root !== null && typeof root === "object" ? Object.keys(root).join(", ") : String(root).slice(0, 20);
            throw new QuarantineError(`no action list found (keys seen: ${keys || "none"})`);
        }
        return { ok: true, encoding, actions: flattenActions(found.list) };
    } catch (e) {
        if (e instanceof QuarantineError) return { ok: false, encoding: e.encoding ?? encoding, reason: e.message };
        if (e instanceof RangeError) return { ok: false, encoding, reason: `document too large to decode (${e.message})` };
        throw e;
    }
}
