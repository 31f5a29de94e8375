import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild } from "../../pipeline/builder/run-build.js";
import { TABLES } from "../../pipeline/load/schema.js";
import { mDeclaredColumnTypes } from "../../report/scripts/m-columns.js";
import { parquetColumnTypesAsM } from "../../report/scripts/parquet-columns.js";
// The build's own small, fully known dataset (owned by the build tests), staged as a pull would leave it.
import { syntheticSample } from "../pipeline/builder/synthetic-sample.js";
import { rawStoreFromSample } from "../support/raw-store-from-sample.js";

describe("Power Query types match the Parquet a real build writes", () => {
    let out: string;
    let actual: Record<string, Record<string, string>>;

    beforeAll(async () => {
        out = mkdtempSync(path.join(os.tmpdir(), "padlens-report-"));
        // 7 runs: the 6th (a malformed V1 log) has finished, so the quarantine table has a row too.
        await rawStoreFromSample(out, syntheticSample(7));
        await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 1 } });
        actual = await parquetColumnTypesAsM(out, TABLES.map((t) => t.name));
    });
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it("every table the build writes is read by a query declaring exactly its columns and types", async () => {
        const declared = await mDeclaredColumnTypes();
        // Every table has rows in this dataset (it plants a malformed log, so quarantine too).
        expect(Object.keys(actual).sort()).toEqual(TABLES.map((t) => t.name).sort());
        for (const table of Object.keys(actual)) {
            expect(declared[table], table).toEqual(actual[table]);
        }
    });

    it("reads partition columns from the folder names when the files do not carry them", () => {
        expect(actual.runs.env).toBe("type text");
        expect(actual.runs.month).toBe("type text");
        expect(actual.actions.started_on).toBe("type datetimezone");
    });
});
