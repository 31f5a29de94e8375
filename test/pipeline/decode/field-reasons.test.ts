import { describe, expect, it } from "vitest";
import { decodeV1 } from "../../../pipeline/decode/v1.js";
import { decodeV2 } from "../../../pipeline/decode/v2.js";

const v1 = (doc: unknown) => decodeV1(Buffer.from(JSON.stringify(doc)));
const start = "2026-11-01T10:00:00Z";

describe("quarantine reasons name the exact field, however deep", () => {
    it.each([
        [{ actions: [{ name: "a", startTime: start, children: [{ name: "b", startTime: start, durationMs: -5 }] }] }, "negative duration for actions[0].children[0].durationMs: -5"],
        [{ actions: [{ name: "a", startTime: start, subActions: "x" }] }, "wrong type for actions[0].subActions: expected an array, got string"],
        [{ actions: [{ name: "a", startTime: start, Exception: { Code: ["x"] } }] }, "wrong type for actions[0].Exception.Code: expected a string, got array"],
        [{ actions: [{ name: "a", startTime: start, lineNumber: 1.5 }] }, "wrong type for actions[0].lineNumber: expected an integer, got number"],
        [{ actions: [{ name: "a", startTime: start, duration: "soon" }] }, 'unparseable duration for actions[0].duration: "soon"'],
        [{ actions: [{ name: "a", StartedOn: "yesterday" }] }, 'unparseable timestamp for actions[0].StartedOn: "yesterday"'],
    ])("%j", (doc, reason) => {
        expect(v1(doc)).toMatchObject({ ok: false, reason });
    });

    it("V2 rows keep their row-based names", () => {
        const rows = [{ type: 100000001, data: JSON.stringify({ name: "a", startTime: start, status: 3 }), createdon: "2026-11-01T10:00:01Z" }];
        expect(decodeV2(rows)).toMatchObject({ ok: true });
        const bad = [{ type: 100000001, data: JSON.stringify({ name: "a", startTime: start, level: {} }) }];
        expect(decodeV2(bad)).toMatchObject({ ok: false, reason: "wrong type for flowlog row 0.level: expected a string, got object" });
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
