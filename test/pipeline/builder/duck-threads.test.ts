import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { BatchDatabase } from "../../../pipeline/builder/batch-database.js";
import { DuckThreads } from "../../../pipeline/builder/duck-threads.js";
import { openDuckDb, type OpenDuckDb } from "../../../pipeline/load/duckdb.js";

const work = mkdtempSync(path.join(os.tmpdir(), "padlens-duck-threads-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A build's database, and the real DuckDB instance behind it to ask for its thread count. */
function database(name: string) {
    let opened: OpenDuckDb | null = null;
    const db = new BatchDatabase(async (threads) => (opened = await openDuckDb(":memory:", path.join(work, name), { threads })), "zstd", 1);
    const threads = async () => {
        const r = await opened!.con.runAndReadAll("SELECT current_setting('threads')::INTEGER");
        return Number(r.getRows()[0][0]);
    };
    return { db, threads };
}

it("shares DuckDB's threads among the environments in flight: fewer while decoding, every core after, never more than the budget", async () => {
    const budget = new DuckThreads(3, 4); // a 4-core machine: one core left to the decoder while it decodes
    const a = database("a");
    const b = database("b");
    await budget.add(a.db);
    await a.db.loader();
    expect(await a.threads()).toBe(3); // alone, while decoding

    await budget.add(b.db);
    await b.db.loader();
    expect([await a.threads(), await b.threads()]).toEqual([1, 1]); // two in flight: 3 threads do not split in two

    await budget.decodingDone();
    expect([await a.threads(), await b.threads()]).toEqual([2, 2]); // every core, shared

    await budget.delete(a.db);
    await a.db.close();
    expect(await b.threads()).toBe(4); // the last one writing gets them all
    await b.db.close();
});

it("gives an instance opened after the change the new count, and closing one mid-change neither fails nor hangs", async () => {
    const budget = new DuckThreads(1, 2);
    const a = database("c");
    await budget.add(a.db);
    const change = budget.decodingDone(); // before the instance exists: it opens with the new count
    await a.db.loader();
    await change;
    expect(await a.threads()).toBe(2);

    const b = database("d");
    await budget.add(b.db); // a now shares: 1 each
    await b.db.loader();
    const shared = budget.delete(b.db); // a gets 2 again, while b closes at once
    await b.db.close();
    await shared;
    expect(await a.threads()).toBe(2);
    await a.db.close();
});
