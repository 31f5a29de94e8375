import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import type { PadlensConfig } from "../../../pipeline/config/config.js";
import { reconcileAfterPull, reconcileDeletions } from "../../../pipeline/retention/reconcile.js";
import { openSession } from "../../../pipeline/retention/session.js";
import { deletedRuns, readDeletions } from "../../../pipeline/store/deletions.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { archive, caDir, makeConfig, retentionDataset } from "./fixture.js";

// Runs deleted in Dataverse by anyone are found by comparing a createdon window's ids with the archive.
let sim: SimulatorHandle;
let tmp: string;
let config: PadlensConfig;
let store: RawStore;

const client = () => openSession(config, config.environments[0], { maxAttempts: 2 }).client;
const WINDOW = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: retentionDataset([{ name: "alpha", runs: 20, logVersion: 0 }]) });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-retention-reconcile-"));
    config = makeConfig(sim, path.join(tmp, "out"));
    store = new RawStore(config.out);
    await archive(config, { build: false });
});
afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("reconcileDeletions and deletedRuns", () => {
    it("records archived runs missing from Dataverse with when they were found gone, and forgets them when they come back", async () => {
        const env = sim.dataset.environments[0];
        const all = env.flowsessions.map((r) => String(r.flowsessionid));
        expect(await deletedRuns(store, "alpha")).toEqual(new Map());
        const removed = env.flowsessions.filter((_r, i) => i === 2 || i === 11);
        env.flowsessions = env.flowsessions.filter((r) => !removed.includes(r));
        const at = new Date("2026-12-01T10:00:00.123Z");
        const r = await reconcileDeletions(client(), store, "alpha", { ...WINDOW, now: at });
        expect(r).toMatchObject({ listed: 18, stored: 20, newlyDeleted: 2, restored: 0 });
        expect(await deletedRuns(store, "alpha")).toEqual(new Map([[all[2], "2026-12-01T10:00:00.123Z"], [all[11], "2026-12-01T10:00:00.123Z"]]));
        expect((await readDeletions(store, "alpha")).runs[all[2]].by).toBe("reconciliation");

        // Found again (restored from the recycle bin): no longer deleted. A later reconciliation keeps the first time.
        env.flowsessions = [...env.flowsessions, removed[0]];
        const again = await reconcileDeletions(client(), store, "alpha", { ...WINDOW, now: new Date("2026-12-02T00:00:00Z") });
        expect(again).toMatchObject({ newlyDeleted: 0, restored: 1 });
        expect(await deletedRuns(store, "alpha")).toEqual(new Map([[all[11], "2026-12-01T10:00:00.123Z"]]));
    });

    it("only compares its window, attributes a padlens job's runs to it, and writes nothing when the listing fails", async () => {
        const env = sim.dataset.environments[0];
        const victim = String(env.flowsessions[15].flowsessionid);
        env.flowsessions = env.flowsessions.filter((r) => String(r.flowsessionid) !== victim);
        // A window that ends before run 15 was created does not notice it.
        const narrow = await reconcileDeletions(client(), store, "alpha", { from: WINDOW.from, to: new Date(Date.UTC(2026, 0, 10) + 10 * 60_000).toISOString() });
        expect(narrow.newlyDeleted).toBe(0);
        const file = path.join(config.out, "raw", "alpha", "retention", "deleted.json");
        const before = await readFile(file, "utf8");
        sim.setDeniedTables("alpha", ["flowsession"]);
        try {
            await expect(reconcileDeletions(client(), store, "alpha", WINDOW)).rejects.toThrow(/prvReadflowsession/);
        } finally {
            sim.setDeniedTables("alpha", []);
        }
        expect(await readFile(file, "utf8")).toBe(before);
        await reconcileDeletions(client(), store, "alpha", { ...WINDOW, jobs: [{ jobId: "11111111-2222-4333-8444-555555555555", completedOn: "2026-12-03T01:02:03Z", runIds: [victim] }] });
        expect((await readDeletions(store, "alpha")).runs[victim]).toEqual({ deletedOn: "2026-12-03T01:02:03.000Z", by: "job 11111111-2222-4333-8444-555555555555" });
    });

    it("after a pull: reconciles when never done, when a bulk deletion job ran since, or weekly; not otherwise", async () => {
        const other = await mkdtemp(path.join(tmp, "after-pull-"));
        const cfg = makeConfig(sim, other);
        const s = new RawStore(cfg.out);
        await archive(cfg, { build: false });
        const c = openSession(cfg, cfg.environments[0]).client;
        const t0 = new Date();
        // Never done before: the pull itself reconciled, and recorded when.
        expect((await readDeletions(s, "alpha")).lastReconciliation).toBeDefined();
        expect(await reconcileAfterPull(c, s, "alpha", { now: t0 })).toBeNull();
        expect(await reconcileAfterPull(c, s, "alpha", { now: new Date(t0.getTime() + 60_000) })).toBeNull();
        // Someone else's bulk deletion job (modified after the last reconciliation): due again.
        sim.submitBulkDelete("alpha", { QuerySet: [{ EntityName: "flowsession", Criteria: { Conditions: [{ AttributeName: "name", Operator: "Equal", Values: ["no such run"] }] } }], JobName: "someone else's purge" });
        expect(await reconcileAfterPull(c, s, "alpha", { now: new Date(t0.getTime() + 120_000) })).not.toBeNull();
        // That job is older than the reconciliation it caused: not due again until a week has passed.
        expect(await reconcileAfterPull(c, s, "alpha", { now: new Date(t0.getTime() + 180_000) })).toBeNull();
        expect(await reconcileAfterPull(c, s, "alpha", { now: new Date(t0.getTime() + 120_000 + 6 * 86_400_000) })).toBeNull();
        expect(await reconcileAfterPull(c, s, "alpha", { now: new Date(t0.getTime() + 120_000 + 7 * 86_400_000) })).not.toBeNull();
    });
});
