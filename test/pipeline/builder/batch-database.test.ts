import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { BatchDatabase } from "../../../pipeline/builder/batch-database.js";
import { openDuckDb, type OpenDuckDb } from "../../../pipeline/load/duckdb.js";

const work = mkdtempSync(path.join(os.tmpdir(), "padlens-batch-db-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const answers = async (db: OpenDuckDb): Promise<boolean> => db.con.run("SELECT 1").then(() => true, () => false);

it("replaces an instance that loaded enough without waiting for it to close, and close() waits for every instance", async () => {
    const opened: OpenDuckDb[] = [];
    const db = new BatchDatabase(async (threads) => {
        const d = await openDuckDb(":memory:", path.join(work, "tmp"), { threads });
        opened.push(d);
        return d;
    }, "zstd", 2);
    const first = await db.loader();
    await db.endBatch(5_000); // small: the same instance, emptied
    expect(await db.loader()).toBe(first);
    await db.endBatch(20_000); // enough: replaced
    const second = await db.loader();
    expect(second).not.toBe(first);
    expect(opened).toHaveLength(2);
    expect(await answers(opened[1])).toBe(true);
    await db.close();
    expect(await answers(opened[0])).toBe(false);
    expect(await answers(opened[1])).toBe(false);
    await db.close(); // closing again is a no-op
});
