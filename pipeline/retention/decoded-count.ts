import type { DecodeOptions } from "../decode/action-record.js";
import { unpackStored } from "../decode/stored.js";
import { decodeV1 } from "../decode/v1.js";
import { decodeV2 } from "../decode/v2.js";
import { storedV2Rows, type RunFiles } from "../store/raw-store.js";

/** What a run's stored log decodes to, the way the build decides it. */
export interface DecodedLog {
    /** Actions the build publishes for the run. */
    actions: number;
    /** A log was stored but could not be decoded: the build quarantines it (its raw bytes are kept). */
    quarantined: boolean;
}

/**
 * Decodes a run's stored logs with the build's precedence (V1 when it decodes, else V2) and counts the
 * actions, so the archive check compares the published table with the archive itself rather than with
 * whatever the last build happened to write.
 */
export function decodedLog(files: RunFiles, options: DecodeOptions): DecodedLog {
    let failed = false;
    const fetch = files.stored?.fetch;
    if (fetch?.v1.state === "fetched" && files.v1Gz) {
        const unpacked = unpackStored(files.v1Gz, options.maxLogBytes);
        const r = unpacked.ok ? decodeV1(unpacked.bytes, options) : null;
        if (r?.ok) return { actions: r.actions.length, quarantined: false };
        failed = true;
    }
    if (fetch?.v2.state === "fetched" && files.v2Gz) {
        try {
            const unpacked = unpackStored(files.v2Gz, options.maxLogBytes);
            const r = unpacked.ok ? decodeV2(storedV2Rows(unpacked.bytes), options) : null;
            if (r?.ok) return { actions: r.actions.length, quarantined: false };
        } catch {
            // a damaged line: quarantined by the build too
        }
        failed = true;
    }
    return { actions: 0, quarantined: failed };
}
