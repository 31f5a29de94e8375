import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBuild } from "../../../pipeline/builder/run-build.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { queryParquet, table } from "./parquet-query.js";

const out = mkdtempSync(path.join(os.tmpdir(), "padlens-tz-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("local time across a daylight-saving change", () => {
    it("Berlin's clocks jump from 02:00 to 03:00 on 29 March 2026: local hours follow, UTC columns stay", async () => {
        const store = new RawStore(out);
        const runs: Array<[string, string]> = [["4d4d4d4d-0000-4000-8000-000000000001", "2026-03-29T00:30:00Z"], ["4d4d4d4d-0000-4000-8000-000000000002", "2026-03-29T01:30:00Z"]];
        for (const [id, t] of runs) {
            const doc = JSON.stringify({ actions: [{ name: "Wait", systemModuleName: "System", systemActionName: "Wait", startTime: t, endTime: t.replace(":00Z", ":05Z"), functionName: "main" }] });
            await store.writeRun("prod", id, { row: { flowsessionid: id, createdon: t, startedon: t, completedon: t, statuscode: 4 }, fetch: { fetchedAt: t, v1: { state: "fetched" }, v2: { state: "not-applicable" } } }, { v1: Buffer.from(doc) });
        }
        await runBuild({ out, timeZones: { prod: "Europe/Berlin" } });
        const r = await queryParquet<Record<string, unknown>>(`SELECT strftime(started_on, '%H:%M') AS utc, strftime(started_on_local, '%H:%M') AS local, local_hour FROM ${table(out, "runs")} ORDER BY started_on`);
        expect(r).toEqual([{ utc: "00:30", local: "01:30", local_hour: 1 }, { utc: "01:30", local: "03:30", local_hour: 3 }]);
        const h = await queryParquet<Record<string, unknown>>(`SELECT strftime(hour, '%H') AS utc, strftime(local_hour_start, '%H:%M') AS local, local_hour, CAST(local_date AS VARCHAR) AS d FROM ${table(out, "action_hourly")} ORDER BY hour`);
        expect(h).toEqual([{ utc: "00", local: "01:00", local_hour: 1, d: "2026-03-29" }, { utc: "01", local: "03:00", local_hour: 3, d: "2026-03-29" }]);
    });
});
