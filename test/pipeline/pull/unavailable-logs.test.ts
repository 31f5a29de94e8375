import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild } from "../../../pipeline/builder/run-build.js";
import { pullAll } from "../../../pipeline/pull/pull.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { queryParquet, table } from "../builder/parquet-query.js";
import { caDir, makeConfig, makeDataset } from "./fixture.js";

/** A run whose log the service always fails to serve must not hold the environment's pulls hostage. */
let sim: SimulatorHandle;
let tmp: string;
beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset([{ name: "beta", runs: 12, logVersion: 0 }]) });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-unavailable-"));
});
afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("a log that always answers 500", () => {
    it("fails its environment for two pulls, is stored as unavailable on the third, and comes back with --retry-unavailable", async () => {
        const out = path.join(tmp, "out");
        const config = makeConfig(sim, out);
        const env = sim.dataset.environments[0];
        const broken = String(env.flowsessions.find((r) => r.completedon && env.additionalContext(String(r.flowsessionid)))!.flowsessionid);
        sim.setBrokenLogs([broken]);
        const store = new RawStore(out);

        for (const attempt of [1, 2]) {
            const summary = await pullAll(config, { maxAttempts: 2 });
            expect(summary.environments[0].ok, `pull ${attempt}`).toBe(false);
            expect(summary.environments[0].error).toContain(`the V1 log of run ${broken}`);
            expect((await store.readState("beta")).logFailures?.[broken]?.count).toBe(attempt);
        }
        const third = await pullAll(config, { maxAttempts: 2 });
        expect(third.environments[0].ok).toBe(true);
        expect((await store.readRun("beta", broken))?.fetch.v1).toMatchObject({ state: "unavailable", reason: expect.stringContaining("--retry-unavailable") });
        expect((await store.readState("beta")).unavailable).toEqual([broken]);
        // Every other run is there: the environment moved on.
        expect((await store.listRunIds("beta")).length).toBe(env.flowsessions.length);
        await runBuild({ out, duckdb: { memoryLimit: "256MB", threads: 1 } });
        const [row] = await queryParquet<{ log_state: string }>(`SELECT log_state FROM ${table(out, "runs")} WHERE run_id = '${broken}'`);
        expect(row.log_state).toBe("unavailable");

        // A later pull does not ask again on its own; --retry-unavailable does, once the service serves it.
        sim.setBrokenLogs([]);
        await pullAll(config, { maxAttempts: 2 });
        expect((await store.readRun("beta", broken))?.fetch.v1.state).toBe("unavailable");
        await pullAll(config, { maxAttempts: 2, retryUnavailable: true });
        expect((await store.readRun("beta", broken))?.fetch.v1.state).toBe("fetched");
        expect((await store.readState("beta")).unavailable).toEqual([]);
        await runBuild({ out, duckdb: { memoryLimit: "256MB", threads: 1 } });
        const [after] = await queryParquet<{ log_state: string }>(`SELECT log_state FROM ${table(out, "runs")} WHERE run_id = '${broken}'`);
        expect(after.log_state).toBe("parsed");
    }, 120_000);
});
