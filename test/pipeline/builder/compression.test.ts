import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBuild } from "../../../pipeline/builder/run-build.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { currentFiles } from "../../../pipeline/lake/manifest.js";
import { TABLES } from "../../../pipeline/load/schema.js";
import { queryParquet, table } from "./parquet-query.js";

const out = mkdtempSync(path.join(os.tmpdir(), "padlens-codec-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function codecs(): Promise<string[]> {
    // The current files of every table (the ones the manifests list; replaced ones linger for readers).
    const files = TABLES.flatMap((t) => currentFiles(out, t.name)).map((f) => `'${f.replace(/'/g, "''")}'`);
    const rows = await queryParquet<{ c: string }>(`SELECT DISTINCT compression AS c FROM parquet_metadata([${files.join(", ")}]) ORDER BY 1`);
    return rows.map((r) => r.c);
}

describe("Parquet compression", () => {
    it("is ZSTD by default and Snappy when asked, for every table, with the same rows", async () => {
        const store = new RawStore(out);
        const id = "3c3c3c3c-0000-4000-8000-000000000003";
        const t = "2026-11-05T08:00:00Z";
        const doc = JSON.stringify({ actions: [{ name: "Wait", systemModuleName: "System", systemActionName: "Wait", startTime: "2026-11-05T08:00:00.0000000Z", endTime: "2026-11-05T08:00:01.0000000Z", functionName: "main" }] });
        await store.writeRun("prod", id, { row: { flowsessionid: id, createdon: t, startedon: t, completedon: t, statuscode: 4 }, fetch: { fetchedAt: t, v1: { state: "fetched" }, v2: { state: "not-applicable" } } }, { v1: Buffer.from(doc) });
        await runBuild({ out });
        expect(await codecs()).toEqual(["ZSTD"]);
        const zstdRows = await queryParquet(`SELECT * FROM ${table(out, "actions")}`);
        await runBuild({ out, compression: "snappy" });
        expect(await codecs()).toEqual(["SNAPPY"]);
        expect(await queryParquet(`SELECT * FROM ${table(out, "actions")}`)).toEqual(zstdRows);
    });
});
