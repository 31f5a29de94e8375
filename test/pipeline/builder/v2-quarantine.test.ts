import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBuild } from "../../../pipeline/builder/run-build.js";
import { RawStore, type Row } from "../../../pipeline/store/raw-store.js";

const run = (id: string): Row => ({
    flowsessionid: id,
    createdon: "2026-11-02T10:00:00Z",
    startedon: "2026-11-02T10:00:01Z",
    completedon: "2026-11-02T10:00:05Z",
    statuscode: 4,
});
const fetched = { fetchedAt: "2026-11-02T11:00:00Z", v1: { state: "not-applicable" as const }, v2: { state: "fetched" as const, rows: 1 } };
const actionRow = (data: string): Row => ({ type: 100000001, level: 100000002, createdon: "2026-11-02T10:00:02Z", data });

describe("build: V2 logs read from the raw store", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "padlens-v2q-"));
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it("decodes a good flowlog and quarantines a bad one with the stored rows as its raw bytes", async () => {
        const store = new RawStore(out);
        const good = "11111111-0000-4000-8000-000000000000";
        const bad = "22222222-0000-4000-8000-000000000000";
        const badRows = [actionRow("{not json"), { type: 100000000, data: "queue event" }];
        await store.writeRun("env", good, { row: run(good), fetch: fetched }, {
            v2: [actionRow(JSON.stringify({ actionName: "Click", startTime: "2026-11-02T10:00:02.250Z", durationMs: 40, status: "Succeeded" }))],
        });
        await store.writeRun("env", bad, { row: run(bad), fetch: fetched }, { v2: badRows });

        const summary = await runBuild({ out });
        expect(summary).toMatchObject({ runs: 2, actions: 1, quarantined: 1 });
        const raw = readFileSync(path.join(out, "quarantine", "env", `${bad}.v2.jsonl`), "utf8");
        expect(raw).toBe(badRows.map((r) => JSON.stringify(r)).join("\n"));
    });
});
