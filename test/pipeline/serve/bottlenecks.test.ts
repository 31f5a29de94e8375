import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { mkdir, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlPath } from "../../../pipeline/load/duckdb.js";
import { findBottlenecks } from "../../../pipeline/serve/bottlenecks.js";
import { writeManifestListing } from "../../support/lake-manifest.js";

// A small output folder written by hand: 3 machines x 10 days x 24 hours of one flow's hourly cells.
// "Click" (UIAutomation.Click) is 6x slower on VM-3; another action PAD also calls "Click" (WebAutomation.Click)
// is 3x slower on VM-1; "Scrape" is 4x slower at 13-14 UTC everywhere; "Set variable" is fast except for one
// cell where a timed-out run's last action hung for 20 minutes; "Loop" is a container (is_container: slow on
// VM-1 only because its children ran there).
let out: string;
let instance: DuckDBInstance;
let con: DuckDBConnection;

beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), "padlens-bottlenecks-"));
    instance = await DuckDBInstance.create(":memory:");
    con = await instance.connect();
    await con.run("SET TimeZone = 'UTC'");
    await con.run(`CREATE TABLE h AS
        WITH cells AS (
            SELECT m AS machine, TIMESTAMPTZ '2026-11-01 00:00:00+00' + INTERVAL (d * 24 + hr) HOUR AS hour, a AS action, d, hr
            FROM range(1, 4) t1(m), range(0, 10) t2(d), range(0, 24) t3(hr), (VALUES ('Click'), ('Web click'), ('Scrape'), ('Set variable'), ('Loop')) t4(a))
        SELECT 'prod' AS env, '2026-11' AS month, 'flow-1' AS flow_id, 'main' AS subflow,
               CASE WHEN action = 'Web click' THEN 'Click' ELSE action END AS action_name,
               CASE action WHEN 'Click' THEN 'UIAutomation.Click' WHEN 'Web click' THEN 'WebAutomation.Click' WHEN 'Scrape' THEN 'WebAutomation.ExtractData'
                           WHEN 'Loop' THEN 'Loops.Loop' ELSE 'Variables.SetVariable' END AS system_action_name,
               split_part(system_action_name, '.', 1) AS module, action = 'Loop' AS is_container,
               'vm-' || machine AS machine_id, hour,
               5::BIGINT AS executions, 0::BIGINT AS failures, 0::BIGINT AS handled_failures,
               (CASE
                   WHEN action = 'Click' THEN CASE WHEN machine = 3 THEN 6000 ELSE 1000 END
                   WHEN action = 'Web click' THEN CASE WHEN machine = 1 THEN 3000 ELSE 1000 END
                   WHEN action = 'Scrape' THEN CASE WHEN hr IN (13, 14) THEN 8000 ELSE 2000 END
                   WHEN action = 'Set variable' THEN CASE WHEN machine = 2 AND d = 4 AND hr = 3 THEN 1200000 ELSE 5 END
                   ELSE CASE WHEN machine = 1 THEN 400000 ELSE 90000 END END)::DOUBLE AS p50_ms
        FROM cells`);
    const write = async (table: string, sql: string, partitioned: boolean) => {
        await mkdir(path.join(out, table, "env=prod"), { recursive: true });
        await con.run(partitioned
            ? `COPY (${sql}) TO ${sqlPath(path.join(out, table))} (FORMAT parquet, PARTITION_BY (env, month))`
            : `COPY (SELECT * EXCLUDE (env) FROM (${sql})) TO ${sqlPath(path.join(out, table, "env=prod", "g1.parquet"))} (FORMAT parquet)`);
    };
    await write("action_hourly", "SELECT *, executions * p50_ms AS total_ms, p50_ms AS p90_ms, p50_ms AS p95_ms, p50_ms AS max_ms FROM h", true);
    await write("flows", "SELECT 'prod' AS env, 'flow-1' AS flow_id, 'Invoice entry' AS flow_name", false);
    await write("machines", "SELECT 'prod' AS env, 'vm-' || i AS machine_id, 'RPA-VM-0' || i AS machine_name FROM range(1, 4) t(i)", false);
    // Readers read what the manifest lists (docs/data-contract.md, "Reading").
    await writeManifestListing(out, "prod");
});

afterAll(() => {
    con?.closeSync();
    instance?.closeSync();
});

describe("findBottlenecks", () => {
    it("names the slow machine and the slow hours, and nothing else", async () => {
        const found = await findBottlenecks(con, out);
        expect(found.map((b) => [b.systemActionName, b.actionName, b.dimension, b.where])).toEqual([
            ["UIAutomation.Click", "Click", "machine", "RPA-VM-03"],
            ["WebAutomation.ExtractData", "Scrape", "hour", "13, 14"],
            // same display name, another module: its own bottleneck, not merged into the one above
            ["WebAutomation.Click", "Click", "machine", "RPA-VM-01"],
        ]);
        expect(found[0].slowdown).toBeCloseTo(6, 5);
        expect(found[0].flowName).toBe("Invoice entry");
        expect(found[1].slowdown).toBeCloseTo(4, 5);
        expect(found[2].slowdown).toBeCloseTo(3, 5);
    });

    it("does not take one hung execution for a bottleneck, nor a loop that lasts as long as its children", async () => {
        const found = await findBottlenecks(con, out, { minSlowdown: 1.1 });
        expect(found.map((b) => b.actionName)).not.toContain("Set variable");
        expect(found.map((b) => b.actionName)).not.toContain("Loop");
    });
});
