import { describe, expect, it } from "vitest";
import { decodeV1 } from "../../../pipeline/decode/v1.js";
import { decodeV2 } from "../../../pipeline/decode/v2.js";

const v1 = (doc: unknown) => decodeV1(Buffer.from(JSON.stringify(doc)));
const start = "2026-11-01T10:00:00Z";

describe("decode warnings name the exact field, however deep; the action is kept with that field null", () => {
    it.each([
        [{ actions: [{ name: "a", startTime: start, children: [{ name: "b", startTime: start, durationMs: -5 }] }] }, "negative duration for actions[0].children[0].durationMs: -5"],
        [{ actions: [{ name: "a", startTime: start, index: 3_000_000_000 }] }, "integer out of range for actions[0].index: 3000000000"],
        [{ actions: [{ name: "a", startTime: start, index: 1e20 }] }, "integer out of range for actions[0].index: 100000000000000000000"],
        [{ actions: [{ name: "a", startTime: start, duration: 1e30 }] }, "duration out of range for actions[0].duration: 1e+30"],
        [{ actions: [{ name: "a", startTime: start, duration: 2 ** 63 }] }, "duration out of range for actions[0].duration: 9223372036854776000"],
        [{ actions: [{ name: "a", startTime: "2026-02-30T10:00:00Z" }] }, 'invalid timestamp for actions[0].startTime: "2026-02-30T10:00:00Z" (no such date or time)'],
        [{ actions: [{ name: "a", startTime: "2026-13-01T10:00:00Z" }] }, 'invalid timestamp for actions[0].startTime: "2026-13-01T10:00:00Z" (no such date or time)'],
        [{ actions: [{ name: "a", startTime: "2026-11-01T25:99:00Z" }] }, 'invalid timestamp for actions[0].startTime: "2026-11-01T25:99:00Z" (no such date or time)'],
        [{ actions: [{ name: "a", startTime: start, insideErrorHandling: "maybe" }] }, "wrong type for actions[0].insideErrorHandling: expected true or false, got string"],
        [{ actions: [{ name: "a", startTime: start, subActions: "x" }] }, "wrong type for actions[0].subActions: expected an array, got string"],
        [{ actions: [{ name: "a", startTime: start, Exception: { Code: ["x"] } }] }, "wrong type for actions[0].Exception.Code: expected a string, got array"],
        [{ actions: [{ name: "a", startTime: start, lineNumber: 1.5 }] }, "wrong type for actions[0].lineNumber: expected an integer, got number"],
        [{ actions: [{ name: "a", startTime: start, duration: "soon" }] }, 'unparseable duration for actions[0].duration: "soon"'],
        [{ actions: [{ name: "a", StartedOn: "yesterday" }] }, 'unparseable timestamp for actions[0].StartedOn: "yesterday"'],
    ])("%j", (doc, reason) => {
        expect(v1(doc)).toMatchObject({ ok: true, warnings: 1, firstWarning: reason });
    });

    it("V2 rows keep their row-based names", () => {
        const rows = [{ type: 100000001, data: JSON.stringify({ name: "a", startTime: start, status: 3 }), createdon: "2026-11-01T10:00:01Z" }];
        expect(decodeV2(rows)).toMatchObject({ ok: true });
        const bad = [{ type: 100000001, data: JSON.stringify({ name: "a", startTime: start, level: {} }) }];
        expect(decodeV2(bad)).toMatchObject({ ok: true, warnings: 1, firstWarning: "wrong type for flowlog row 0.level: expected a string, got object" });
    });
});

describe("key sets alternating between actions map each action by its own keys", () => {
    it("reuses no mapping across different key sets, spellings or key orders", () => {
        const r = v1({
            actions: [
                { name: "a", startTime: start, durationMs: 1 },
                { Name: "b", StartTime: start, Duration: "00:00:02" },
                { durationMs: 3, startTime: start, name: "c" },
                { name: "d", startTime: start, durationMs: 4 },
                { displayName: "e", timestamp: start, endTime: "2026-11-01T10:00:05Z" },
                { name: null, displayName: "f", startTime: start, duration: null, durationMs: 6 },
            ],
        });
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions.map((a) => [a.actionName, a.durationMs])).toEqual([["a", 1], ["b", 2000], ["c", 3], ["d", 4], ["e", 5000], ["f", 6]]);
    });
});
