import type { ActionRecord, DecodeOptions, DecodeResult, LogSource } from "../decode/action-record.js";
import { unpackStored } from "../decode/stored.js";
import { decodeV1 } from "../decode/v1.js";
import { decodeV2 } from "../decode/v2.js";
import { encodeActions, type EncodedActions } from "../load/action-encoding.js";
import { failureCounts } from "../load/action-columns.js";
import { storedV2Rows, type RunFiles } from "../store/raw-store.js";

/** A log the build could not decode: quarantined with its bytes (unpacked when that much worked). */
export interface UndecodableLog {
    source: LogSource;
    reason: string;
    raw: Uint8Array;
    ext: string;
}

export interface DecodedRun {
    decoded: Extract<DecodeResult, { ok: true }> | null;
    source: LogSource | null;
    undecodable: UndecodableLog[];
}

/**
 * One run's log as the build reads it: V1 when it was fetched and decodes, else V2 as the fallback.
 * Never throws: what cannot be decoded comes back as an undecodable log with its reason and bytes.
 */
export function decodeRun(files: RunFiles, options: DecodeOptions): DecodedRun {
    const stored = files.stored;
    const undecodable: UndecodableLog[] = [];
    if (!stored) return { decoded: null, source: null, undecodable };
    if (stored.fetch.v1.state === "fetched" && files.v1Gz) {
        const unpacked = unpackStored(files.v1Gz, options.maxLogBytes);
        if (unpacked.ok) {
            // Not kept while decoding (a huge log's bytes would double its peak): unpacked again to quarantine.
            const r = decodeV1(unpacked.bytes, options);
            if (r.ok) return { decoded: r, source: "V1", undecodable };
            undecodable.push({ source: "V1", reason: r.reason, raw: unpacked.bytes, ext: "v1.bin" });
        } else undecodable.push({ source: "V1", reason: unpacked.reason, raw: files.v1Gz, ext: "v1.bin.gz" });
    }
    if (stored.fetch.v2.state === "fetched" && files.v2Gz) {
        const v2 = decodeStoredV2(files.v2Gz, options);
        if (v2.result.ok) return { decoded: v2.result, source: "V2", undecodable };
        undecodable.push(v2.raw ? { source: "V2", reason: v2.result.reason, raw: v2.raw, ext: "v2.jsonl" } : { source: "V2", reason: v2.result.reason, raw: files.v2Gz, ext: "v2.jsonl.gz" });
    }
    return { decoded: null, source: null, undecodable };
}

/**
 * What the build keeps of a decoded run: its actions encoded for the loader and the counts the run row and the
 * day's manifest entry need, so the action objects themselves can be dropped where they were made.
 */
export interface LoadableRun {
    source: LogSource | null;
    undecodable: UndecodableLog[];
    parsed: boolean;
    actionCount: number;
    warnings: number;
    firstWarning: string | null;
    failed: number;
    handled: number;
    /** UTC day numbers (floor of epoch ms / 86,400,000) its actions started in: the action_hourly units they feed. */
    startDays: number[];
    encoded: EncodedActions | null;
}

/** A UTC day in ms: an action starts in day floor(ms / DAY_MS), the build's one rule for the days action_hourly is rewritten for. */
export const DAY_MS = 86_400_000;

export function decodeForLoad(files: RunFiles, options: DecodeOptions): LoadableRun {
    const { decoded, source, undecodable } = decodeRun(files, options);
    const actions = decoded?.actions ?? [];
    const { failed, handled } = failureCounts(actions);
    const days = new Set<number>();
    for (const a of actions) if (a.startedOn !== null) days.add(Math.floor(a.startedOn / DAY_MS));
    return {
        source, undecodable, parsed: decoded !== null, actionCount: actions.length, warnings: decoded?.warnings ?? 0, firstWarning: decoded?.firstWarning ?? null,
        failed, handled, startDays: [...days], encoded: actions.length ? encodeActions(actions) : null,
    };
}

function decodeStoredV2(gz: Buffer, options: DecodeOptions): { result: DecodeResult; raw: Uint8Array | null } {
    const unpacked = unpackStored(gz, options.maxLogBytes);
    // raw null: only the stored (gzip) bytes can be kept.
    if (!unpacked.ok) return { result: { ok: false, encoding: "flowlog", reason: unpacked.reason }, raw: null };
    let rows: unknown[];
    try {
        rows = storedV2Rows(unpacked.bytes);
    } catch (e) {
        return { result: { ok: false, encoding: "flowlog", reason: `unreadable flowlog rows: ${(e as Error).message}` }, raw: unpacked.bytes };
    }
    const result = decodeV2(rows, options);
    // The unpacked lines are what a reader of the quarantine wants; kept only when it is quarantined.
    return { result, raw: result.ok ? null : unpacked.bytes };
}

export type { ActionRecord };
