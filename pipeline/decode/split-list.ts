import { ACTION_LIST_KEYS } from "./aliases.js";

/**
 * Finds the action list of a JSON document in its bytes, as [start, end) byte ranges of its elements,
 * without building the document: a 100 MB log is then parsed one action at a time, and its text and whole
 * tree never exist at once. Every other value is handed back as a range too, so the caller can check it
 * parses (the document is accepted exactly when JSON.parse would accept it). Returns null for anything
 * this does not handle simply (escaped keys, two candidate lists, odd bytes): the caller then parses the
 * whole document the ordinary way, which also gives the ordinary error message.
 */
export interface SplitList {
    /** The list's key, or null for a top-level array. */
    key: string | null;
    items: Array<[number, number]>;
    /** Other values of the root object, to be validated. */
    others: Array<[number, number]>;
}

const WANTED = new Set<string>(ACTION_LIST_KEYS.map((k) => k.toLowerCase()));

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export function splitActionList(b: Uint8Array): SplitList | null {
    const n = b.length;
    let i = 0;
    const ws = () => {
        while (i < n && isWs(b[i])) i++;
    };
    /** Skips one value starting at i; returns false when the bytes are not plainly a JSON value. */
    const skipValue = (): boolean => {
        const c = b[i];
        if (c === 0x22) return skipString();
        if (c === 0x7b || c === 0x5b) {
            let depth = 0;
            while (i < n) {
                const d = b[i];
                if (d === 0x22) {
                    if (!skipString()) return false;
                    continue;
                }
                if (d === 0x7b || d === 0x5b) depth++;
                else if (d === 0x7d || d === 0x5d) {
                    depth--;
                    if (depth === 0) {
                        i++;
                        return true;
                    }
                }
                i++;
            }
            return false;
        }
        const start = i;
        while (i < n && !isWs(b[i]) && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x5d) i++;
        return i > start;
    };
    const skipString = (): boolean => {
        i++; // opening quote
        while (i < n) {
            const c = b[i];
            if (c === 0x5c) i += 2;
            else if (c === 0x22) {
                i++;
                return true;
            } else i++;
        }
        return false;
    };
    /** Elements of the array starting at i, as ranges. */
    const elements = (): Array<[number, number]> | null => {
        const items: Array<[number, number]> = [];
        i++; // [
        ws();
        if (b[i] === 0x5d) {
            i++;
            return items;
        }
        for (;;) {
            ws();
            const s = i;
            if (!skipValue()) return null;
            items.push([s, i]);
            ws();
            if (b[i] === 0x2c) i++;
            else if (b[i] === 0x5d) {
                i++;
                return items;
            } else return null;
        }
    };

    ws();
    if (b[i] === 0x5b) {
        const items = elements();
        ws();
        return items && i === n ? { key: null, items, others: [] } : null;
    }
    if (b[i] !== 0x7b) return null;
    i++;
    let found: SplitList | null = null;
    const others: Array<[number, number]> = [];
    ws();
    if (b[i] === 0x7d) return null;
    for (;;) {
        ws();
        if (b[i] !== 0x22) return null;
        const ks = i + 1;
        if (!skipString()) return null;
        const rawKey = b.subarray(ks, i - 1);
        if (rawKey.includes(0x5c)) return null; // escaped key: leave it to JSON.parse
        const key = Buffer.from(rawKey).toString("utf8");
        others.push([ks - 1, i]); // the key itself must parse as a JSON string too (no raw control characters)
        ws();
        if (b[i] !== 0x3a) return null;
        i++;
        ws();
        if (WANTED.has(key.toLowerCase())) {
            // Two candidate lists (or a duplicate key): JSON.parse and the alias rules decide, not this.
            if (found || b[i] !== 0x5b) return null;
            const items = elements();
            if (!items) return null;
            found = { key, items, others };
        } else {
            const s = i;
            if (!skipValue()) return null;
            others.push([s, i]);
        }
        ws();
        if (b[i] === 0x2c) {
            i++;
            continue;
        }
        if (b[i] === 0x7d) {
            i++;
            break;
        }
        return null;
    }
    ws();
    return found && i === n ? found : null;
}
