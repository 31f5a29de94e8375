import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeV2 } from "../../../pipeline/decode/v2.js";

const rows = readFileSync(path.join(import.meta.dirname, "../../fixtures/v2/flowlogs.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("V2 decoder", () => {
    it("keeps only action rows (type 100000001), orders by start then createdon, maps the same aliases", () => {
        const r = decodeV2(rows);
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions.map((a) => [a.seq, a.actionName, a.startedOn, a.durationMs, a.status, a.level, a.errorCode, a.errorMessage])).toEqual([
            [0, "First", Date.parse("2026-11-01T10:00:00Z"), 1000, "Failed", "Error", "E1", "boom"],
            // same start: the earlier createdon first
            [1, "Tie", Date.parse("2026-11-01T10:00:01Z"), 0, "Succeeded", "Info", null, null],
            [2, "Second", Date.parse("2026-11-01T10:00:01Z"), 1000, "Succeeded", "Info", null, null],
        ]);
    });

    it("quarantines a run whose data is not JSON, naming the row", () => {
        const r = decodeV2([{ type: 100000001, data: "{oops" }]);
        expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid JSON/) });
    });

    it("quarantines data of the wrong type", () => {
        const r = decodeV2([{ type: 100000001, data: 42 }]);
        expect(r).toMatchObject({ ok: false, reason: "wrong type for flowlog row 0.data: expected a JSON string, got number" });
    });
});
