import { gunzipBounded, isOverCeiling, tooLarge } from "./encoding.js";

/**
 * The raw store keeps every log gzip-compressed (docs/raw-store.md). The build and `padlens inspect`
 * unpack them through here, so both say the same thing about a log that cannot even be unpacked.
 */
export function unpackStored(gz: Buffer, maxBytes: number): { ok: true; bytes: Buffer } | { ok: false; reason: string } {
    try {
        // Bounded: a log that decompresses past the ceiling is refused, not allowed to take the memory.
        return { ok: true, bytes: gunzipBounded(gz, maxBytes) };
    } catch (e) {
        return { ok: false, reason: isOverCeiling(e) ? tooLarge(null, maxBytes) : `raw store file unreadable: ${(e as Error).message}` };
    }
}
