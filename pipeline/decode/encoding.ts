import { isUtf8 } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { QuarantineError } from "./action-record.js";

export interface Unwrapped {
    /** Layers peeled, outermost first, e.g. "gzip+base64+json-bom". */
    encoding: string;
    /** The JSON document's bytes: valid UTF-8, BOM stripped. Kept as bytes so a huge log need not become one string. */
    json: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;
const isWs = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Peels gzip and base64 layers (in any order, detected from the bytes, never from config) down to
 * JSON text, with any UTF-8 BOM stripped. Throws QuarantineError with a user-readable reason.
 */
export function unwrap(bytes: Uint8Array, maxBytes = Number.MAX_SAFE_INTEGER): Unwrapped {
    const layers: string[] = [];
    let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length > maxBytes) throw new QuarantineError(tooLarge(buf.length, maxBytes));
    for (let depth = 0; depth < 4; depth++) {
        if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
            layers.push("gzip");
            try {
                // Bounded: a gzip bomb stops at the ceiling instead of taking the machine's memory.
                buf = gunzipBounded(buf, maxBytes);
            } catch (e) {
                if (isOverCeiling(e)) {
                    throw new QuarantineError(tooLarge(null, maxBytes, " after gzip"), layers.join("+"));
                }
                throw new QuarantineError(`truncated or corrupt gzip (${(e as Error).message})`, layers.join("+"));
            }
            continue;
        }
        let bom = false;
        if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
            buf = buf.subarray(3);
            bom = true;
        }
        if (!isUtf8(buf)) {
            throw new QuarantineError(`not UTF-8 text (after ${layers.length ? layers.join("+") : "no decoding"})`, [...layers, "text"].join("+"));
        }
        let at = 0;
        while (at < buf.length && (isWs(buf[at]) || buf[at] === 0x0b || buf[at] === 0x0c)) at++;
        if (buf[at] === 0x7b || buf[at] === 0x5b) {
            layers.push(bom ? "json-bom" : "json");
            return { encoding: layers.join("+"), json: buf };
        }
        // Not JSON: base64 or garbage. Base64 is ASCII, so Latin-1 reads it without a UTF-8 pass.
        const text = buf.toString("latin1");
        if (text.trim() === "") throw new QuarantineError("empty document");
        if (!bom && BASE64.test(text)) {
            const compact = text.replace(/\s+/g, "");
            if (compact.length % 4 === 1 || /=[^=]/.test(compact)) throw new QuarantineError("bad base64: malformed padding or length", [...layers, "base64"].join("+"));
            layers.push("base64");
            buf = Buffer.from(compact, "base64");
            continue;
        }
        if (!bom && looksLikeBase64(text)) {
            const bad = /[^A-Za-z0-9+/=\s]/.exec(text);
            throw new QuarantineError(`bad base64: character ${JSON.stringify(bad?.[0] ?? "")} at position ${bad?.index ?? 0} is outside the alphabet`, [...layers, "base64"].join("+"));
        }
        throw new QuarantineError(`unrecognised encoding: starts with ${JSON.stringify(buf.toString("utf8", 0, 64).slice(0, 16))} (not JSON, base64 or gzip)`);
    }
    throw new QuarantineError(`too many encoding layers (${layers.join("+")})`);
}

/**
 * gunzip no further than `maxBytes`, in one output chunk sized from the gzip trailer when that is
 * plausible: zlib's default 16 KB chunks are concatenated at the end, which holds a large log twice.
 * The trailer is only a hint (hostile input can lie), so it is capped by deflate's best ratio (~1032:1).
 */
export function gunzipBounded(gz: Buffer, maxBytes: number): Buffer {
    const limit = Math.min(maxBytes, 0x7fffffff);
    const hint = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
    const chunkSize = Math.max(64 * 1024, Math.min(hint + 1024, gz.length * 1100, limit + 1, 1024 * 1024 * 1024));
    return gunzipSync(gz, { maxOutputLength: limit, chunkSize });
}

/** gunzipBounded stopped at its ceiling (rather than meeting corrupt data). */
export function isOverCeiling(e: unknown): boolean {
    return (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError;
}

/** The quarantine reason for a log over the size ceiling; `where` says at which layer. */
export function tooLarge(size: number | null, maxBytes: number, where = ""): string {
    const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
    return `log larger than the ${mb(maxBytes)} ceiling${where}${size === null ? "" : ` (${mb(size)})`}: raise logs.maxLogMegabytes in the config if this log is genuine`;
}

/** Mostly base64 alphabet: a damaged base64 body rather than some other format. */
function looksLikeBase64(text: string): boolean {
    const sample = text.slice(0, 4096).replace(/\s+/g, "");
    const inAlphabet = sample.replace(/[^A-Za-z0-9+/=]/g, "").length;
    return sample.length >= 16 && inAlphabet / sample.length > 0.95;
}

/** JSON.parse with the failure turned into a quarantine reason that names the position. */
export function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new QuarantineError(`invalid JSON: ${(e as Error).message}`);
    }
}
