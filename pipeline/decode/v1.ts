import { wellFormed } from "./values.js";
import { DEFAULT_DECODE_OPTIONS, QuarantineError, type DecodeOptions, type DecodeResult } from "./action-record.js";
import { findActionList } from "./aliases.js";
import { parseJson, unwrap } from "./encoding.js";
import { mapAction, type MappedAction } from "./map-action.js";
import { parentsFromSpans, type Parents } from "./structure.js";
import { finish } from "./warnings.js";
import { splitActionList, type SplitList } from "./split-list.js";

/** Logs from this size on are read one action at a time (DecodeOptions.streamAboveBytes overrides it). */
export const STREAM_ABOVE_BYTES = 8 * 1024 * 1024;

interface LazyList {
    length: number;
    get(i: number): unknown;
}

class LazyParseError extends Error {}

/**
 * The action list of a large document, parsed element by element on demand. The root's other values are
 * parsed once up front, so a document is accepted exactly when JSON.parse accepts it whole.
 */
function lazyList(json: Buffer, split: SplitList): LazyList | null {
    const parse = ([s, e]: [number, number]): unknown => {
        try {
            return JSON.parse(json.toString("utf8", s, e));
        } catch {
            throw new LazyParseError();
        }
    };
    try {
        for (const r of split.others) parse(r);
    } catch {
        return null;
    }
    return { length: split.items.length, get: (i) => parse(split.items[i]) };
}

/** Deeper nesting than any real flow: a document nested this deep is hostile, not a log. */
export const MAX_NESTING = 64;

/** What a V1 decode saw on the way, for `padlens inspect` (same pass as the build's). */
export interface V1Trace {
    encoding: string;
    root?: unknown;
    listKey?: string | null;
    objects?: Record<string, unknown>[];
}

/** Decodes a V1 `additionalcontext` document (any encoding) into contract rows. Never throws. */
export function decodeV1(bytes: Uint8Array, options: DecodeOptions = DEFAULT_DECODE_OPTIONS, trace?: V1Trace): DecodeResult {
    let encoding = "unknown";
    try {
        const u = unwrap(bytes, options.maxLogBytes);
        encoding = u.encoding;
        if (trace) trace.encoding = encoding;
        // A large log is read one action at a time (bounded memory); same result as parsing it whole.
        const split = !trace && u.json.length >= (options.streamAboveBytes ?? STREAM_ABOVE_BYTES) ? splitActionList(u.json) : null;
        const lazy = split ? lazyList(u.json, split) : null;
        let list: unknown[] | LazyList;
        if (lazy) list = lazy;
        else {
            const root = parseJson(u.json.toString("utf8"));
            if (trace) trace.root = root;
            const found = findActionList(root);
            if (!found) {
                const keys = root !== null && typeof root === "object" ? Object.keys(root).slice(0, 20).join(", ") : String(root).slice(0, 20);
                throw new QuarantineError(`no action list found (keys seen: ${keys || "none"})`);
            }
            if (trace) trace.listKey = found.key;
            list = found.list;
        }
        try {
            const { items, parents } = flatten(list, options, trace !== undefined);
            if (trace) trace.objects = items.objects;
            return finish(encoding, items.mapped, parents);
        } catch (e) {
            // An action that does not parse on its own: the whole document is invalid, and parsing it whole says where.
            if (e instanceof LazyParseError) {
                parseJson(u.json.toString("utf8"));
                throw new QuarantineError("invalid JSON in an action entry");
            }
            throw e;
        }
    } catch (e) {
        if (e instanceof QuarantineError) return { ok: false, encoding: e.encoding ?? encoding, reason: wellFormed(e.message) };
        if (e instanceof RangeError) return { ok: false, encoding, reason: wellFormed(`document too large to decode (${e.message})`) };
        throw e;
    }
}

/**
 * The list in execution order. Real logs are flat (structure comes from spans); older shapes nest
 * children, which are flattened depth-first (a parent before its children) without recursion.
 */
function flatten(list: unknown[] | LazyList, options: DecodeOptions, keepObjects: boolean): { items: { mapped: MappedAction[]; objects: Record<string, unknown>[] }; parents: Parents } {
    const mapped: MappedAction[] = [];
    const objects: Record<string, unknown>[] = [];
    const parents: Parents = [];
    let nested = false;
    // Work stack of (list, next position, parent index, subflow, depth, path), walked iteratively.
    const stack: Array<{ list: unknown[] | LazyList; i: number; parent: number | null; subflow: string | null; depth: number; path: string }> = [
        { list, i: 0, parent: null, subflow: null, depth: 0, path: "actions" },
    ];
    while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top.i >= top.list.length) {
            stack.pop();
            continue;
        }
        const raw = Array.isArray(top.list) ? top.list[top.i] : top.list.get(top.i);
        const where = `${top.path}[${top.i}]`;
        // Each parsed action is dropped once mapped: a huge log's tree is released as it is read.
        if (!keepObjects && Array.isArray(top.list)) top.list[top.i] = null;
        top.i++;
        const m = mapAction(raw, where, top.subflow, options);
        const index = mapped.length;
        mapped.push(m);
        parents.push(top.parent);
        if (keepObjects && raw !== null && typeof raw === "object" && !Array.isArray(raw)) objects.push(raw as Record<string, unknown>);
        if (m.children && m.children.length > 0) {
            nested = true;
            if (top.depth + 1 > MAX_NESTING) throw new QuarantineError(`actions nested deeper than ${MAX_NESTING} levels at ${where}`);
            stack.push({ list: m.children, i: 0, parent: index, subflow: m.subflow, depth: top.depth + 1, path: `${where}.children` });
        }
    }
    return { items: { mapped, objects }, parents: nested ? parents : parentsFromSpans(mapped) };
}

