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

    it("rows that carry sequence/parentSequence/depth keep their tree, ordered by sequence", () => {
        const row = (sequence: number, parentSequence: number | null, depth: number, name: string, start: string, end: string) => ({
            type: 100000001, createdon: end,
            data: JSON.stringify({ sequence, parentSequence, depth, actionName: name, startTime: start, endTime: end }),
        });
        // the child starts with its container and its row is created first: start/createdon order would invert them
        const r = decodeV2([
            row(1, 0, 1, "Child", "2026-11-01T10:00:00Z", "2026-11-01T10:00:01Z"),
            row(0, null, 0, "Loop", "2026-11-01T10:00:00Z", "2026-11-01T10:00:02Z"),
            row(2, null, 0, "After", "2026-11-01T10:00:02Z", "2026-11-01T10:00:03Z"),
        ]);
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions.map((a) => [a.seq, a.actionName, a.parentSeq, a.depth])).toEqual([
            [0, "Loop", null, 0],
            [1, "Child", 0, 1],
            [2, "After", null, 0],
        ]);
    });

    it("quarantines a run none of whose rows can be read, naming the row", () => {
        const r = decodeV2([{ type: 100000001, data: "{oops" }]);
        expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^no action maps: .*flowlog row 0\.data is not JSON/) });
        const wrongType = decodeV2([{ type: 100000001, data: 42 }]);
        expect(wrongType).toMatchObject({ ok: false, reason: expect.stringContaining("wrong type for flowlog row 0.data: expected a JSON string, got number") });
    });

    it("keeps a row whose data is unreadable as an action in its logindex place, with a warning, when other rows read", () => {
        const good = (logindex: number, name: string, start: string) => ({ type: 100000001, logindex, flowlogid: `r${logindex}`, data: JSON.stringify({ name, startTime: start }) });
        const r = decodeV2([good(2, "Last", "2026-11-01T10:00:02Z"), { type: 100000001, logindex: 1, duration: 40, flowlogid: "r1", data: "{oops" }, good(0, "First", "2026-11-01T10:00:00Z"), null]);
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions.map((a) => [a.seq, a.actionName, a.durationMs])).toEqual([[0, "First", null], [1, null, 40], [2, "Last", null]]);
        expect(r.warnings).toBe(1);
        expect(r.firstWarning).toMatch(/^flowlog row r1\.data is not JSON/);
    });
});
