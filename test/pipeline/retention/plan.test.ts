import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import type { PadlensConfig } from "../../../pipeline/config/config.js";
import type { EnvPlan } from "../../../pipeline/retention/plan.js";
import { retentionPlanSummary, runApply, runPlan } from "../../../pipeline/retention/run.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { rmRetrying } from "../../../pipeline/util/fs-retry.js";
import { archive, caDir, createdAt, extraRun, makeConfig, retentionDataset, settleJobs } from "./fixture.js";

// Each archive state the plan must tell apart, on the real simulator, raw store and Parquet (DuckDB).
let sim: SimulatorHandle;
let tmp: string;
let config: PadlensConfig;
let plans: EnvPlan[];
const extra = (n: number): string => `0000000e-0001-4000-8000-${n.toString(16).padStart(12, "0")}`;

beforeAll(async () => {
    sim = await startSimulator({
        caDir: caDir(),
        dataset: retentionDataset([{ name: "alpha", runs: 40, logVersion: 2, ttlMinutes: 30 }, { name: "gamma", runs: 20, logVersion: 1 }], { alpha: [3] }),
    });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-retention-plan-"));
    // Runs stay loose: the test loses a log file to see it blocked.
    config = makeConfig(sim, path.join(tmp, "out"), { rawStore: { compact: false } });
    await archive(config);
    const alpha = sim.dataset.environments[0];
    const row = (i: number) => alpha.flowsessions[i];
    const ids = alpha.flowsessions.map((r) => String(r.flowsessionid));
    // Run 12 changes and is pulled again but not built; a new old run is pulled but not built.
    row(12).modifiedon = new Date(Date.now() - 5000).toISOString().replace(/\.\d+Z$/, "Z");
    row(12).errormessage = "annotated";
    alpha.flowsessions.push(extraRun(row(14), extra(14), createdAt(14, 250)));
    await archive(config, { build: false });
    // Run 5 changes after the last pull; a run appears that no pull has seen; run 9's log file is lost.
    row(5).modifiedon = new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, "Z");
    alpha.flowsessions.push(extraRun(row(10), extra(10), createdAt(10, 500)));
    await rmRetrying(new RawStore(config.out).v1Path("alpha", ids[9]));
    // A recurring job made with the wizard, deleting nothing yet.
    sim.submitBulkDelete("alpha", {
        QuerySet: [{ EntityName: "flowsession", Criteria: { Conditions: [{ AttributeName: "createdon", Operator: "OlderThanXMonths", Values: [{ Value: 240, Type: "System.Int32" }] }] } }],
        JobName: "Bulk-delete of desktop flow sessions older than 20 years", RecurrencePattern: "FREQ=DAILY;INTERVAL=1",
    });
    plans = await runPlan(config, { olderThan: "test", cutoff: createdAt(30), statuses: [], flows: [] });
}, 180_000);

afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("retention plan", () => {
    it("counts what Dataverse matches and sorts every unverified run into a blocker with sample ids", () => {
        const alpha = plans.find((p) => p.env === "alpha")!;
        expect(alpha.ok, alpha.error).toBe(true);
        const ids = sim.dataset.environments[0].flowsessions.map((r) => String(r.flowsessionid));
        expect(alpha.matching).toBe(32);
        expect(Object.fromEntries(alpha.blockers.map((b) => [b.reason, b.sample]))).toEqual({
            "changed-since-pull": [ids[5]],
            "log-missing": [ids[9]],
            "not-pulled": [extra(10)],
            "built-from-older-version": [ids[12]],
            "not-built": [extra(14)],
        });
        expect(alpha.blocked).toBe(5);
        expect(alpha.verified).toBe(27);
        expect(alpha.blockers.find((b) => b.reason === "not-pulled")!.label).toMatch(/run padlens pull/);
    });

    it("says that a quarantined log is archived only as raw bytes", () => {
        const alpha = plans.find((p) => p.env === "alpha")!;
        expect(alpha.verifiedQuarantined).toBe(1);
        expect(alpha.notes.join("\n")).toMatch(/1 verified run has a log that could not be decoded: archived only as raw bytes/);
    });

    it("puts the frontier at the oldest unverified run and estimates what a purge of the runs before it frees", () => {
        const alpha = plans.find((p) => p.env === "alpha")!;
        expect(alpha.frontier).toBe(createdAt(5));
        expect(alpha.deletable).toBe(5);
        const c = alpha.capacity!;
        expect(c.runs).toBe(5);
        // Runs 1..4 have V1 logs (run 0 is a multiple of 7; run 3's bytes count though they do not decode).
        expect(c.v1Bytes).toBeGreaterThan(0);
        expect(c.workflowBinaries.visible).toBe(true);
        // Cloud-started runs 0, 2 and 4 have an inputs/outputs file, failed runs 0 and 4 a screenshot.
        expect(c.workflowBinaries.rows).toBe(5);
        expect(c.workflowBinaries.bytes).toBeGreaterThan(0);
        expect(c.flowlogRows).toBeGreaterThan(0);
        expect(alpha.byFlow.reduce((n, f) => n + f.deletable, 0)).toBe(5);
        expect(alpha.byFlow.every((f) => f.flowName?.startsWith("Flow "))).toBe(true);
        const gamma = plans.find((p) => p.env === "gamma")!;
        // gamma's last run is still running: everything before it is verified.
        expect(gamma.blockers.map((b) => b.reason)).toEqual(["still-running"]);
        expect(gamma.frontier).toBe(createdAt(19));
        expect(gamma.deletable).toBe(19);
    });

    it("prints the flowlog TTL, warns when pulls are too far apart for it, and warns loudly about a recurring wizard job", () => {
        const alpha = plans.find((p) => p.env === "alpha")!;
        expect(alpha.flowlog.note).toBe("flowlog TTL 30 min: V2 rows cannot be bulk-deleted, Dataverse expires them");
        expect(alpha.warnings.join("\n")).toMatch(/alpha: flowlog rows expire after 30 min but pull runs every 60 min/);
        expect(alpha.warnings.join("\n")).toMatch(/RECURRING BULK DELETION alpha: job 'Bulk-delete of desktop flow sessions older than 20 years' \(FREQ=DAILY;INTERVAL=1, next run .*\) deletes flow sessions whether or not padlens has archived them; 5 matching runs are not archived yet/);
        expect(plans.find((p) => p.env === "gamma")!.flowlog.note).toBe("flowlog TTL none (kept forever): V2 rows cannot be bulk-deleted, Dataverse expires them");
    });

    it("narrows by status and flow on the server, and a flow unknown to an environment matches nothing there", async () => {
        const [failedOnly] = await runPlan(config, { olderThan: "test", cutoff: createdAt(30), statuses: [8], flows: [] }, { only: ["gamma"] });
        expect(failedOnly.scope.statuses).toEqual([8]);
        expect(failedOnly.matching).toBe(5);
        const [flow1] = await runPlan(config, { olderThan: "test", cutoff: createdAt(30), statuses: [], flows: ["Flow 2"] }, { only: ["gamma"] });
        expect(flow1.matching).toBe(6);
        expect(flow1.byFlow.map((f) => f.flowName)).toEqual(["Flow 2"]);
        const [unknown] = await runPlan(config, { olderThan: "test", cutoff: createdAt(30), statuses: [], flows: ["No such flow"] }, { only: ["gamma"] });
        expect(unknown.matching).toBe(0);
        expect(unknown.deletable).toBe(0);
    });
});

describe("the demo's one-line summary", () => {
    it("measures --older-than from the given instant and says what a purge frees and that it is safe", async () => {
        const { line } = await retentionPlanSummary(config, "1d", { now: new Date("2026-01-11T00:25:00Z"), only: ["gamma"] });
        expect(line).toMatch(/^retention: a purge would delete 19 runs in 1 environment, freeing ~.* of file capacity and 19 flowsession rows; safe: it deletes only runs padlens has archived and verified; 1 matching run not verified yet stays in Dataverse\. Nothing was changed\.$/);
    });
});

describe("published action counts", () => {
    it("a published row whose action count is not what its stored log decodes to is not verified", async () => {
        // Decoding with a 100-byte ceiling: every stored log now quarantines, while Parquet has its actions.
        const strict = { ...config, logs: { ...config.logs, maxLogMegabytes: 0.0001 } };
        const [gamma] = await runPlan(strict, { olderThan: "test", cutoff: createdAt(30), statuses: [], flows: [] }, { only: ["gamma"] });
        const differs = gamma.blockers.find((b) => b.reason === "action-count-differs")!;
        expect(differs.count).toBeGreaterThan(0);
        expect(differs.label).toMatch(/run padlens build/);
        // Run 0 has V2 rows: the frontier stops before it.
        expect(differs.sample[0]).toBe(String(sim.dataset.environments[1].flowsessions[0].flowsessionid));
        expect(gamma.frontier).toBe(createdAt(0));
        expect(gamma.deletable).toBe(0);
    });
});

describe("the frontier, exact to the millisecond", () => {
    it("deletes the run one millisecond before an unverified one and keeps a verified run of that same millisecond", async () => {
        const sim2 = await startSimulator({ caDir: caDir(), dataset: retentionDataset([{ name: "delta", runs: 10, logVersion: 0 }]) });
        const out = path.join(tmp, "ms");
        try {
            const env = sim2.dataset.environments[0];
            const at = (i: number, ms: number) => {
                env.flowsessions[i].createdon = new Date(Date.parse(createdAt(3)) + ms).toISOString();
            };
            at(3, 0);
            at(4, 1);
            at(5, 1);
            at(6, 2);
            const cfg = makeConfig(sim2, out);
            await archive(cfg);
            env.flowsessions[4].modifiedon = new Date(Date.now() + 1000).toISOString();
            const ids = env.flowsessions.map((r) => String(r.flowsessionid));
            const [plan] = await runPlan(cfg, { olderThan: "test", cutoff: createdAt(8), statuses: [], flows: [] });
            expect(plan.frontier).toBe(new Date(Date.parse(createdAt(3)) + 1).toISOString());
            const [applied] = await runApply(cfg, { olderThan: "test", cutoff: createdAt(8), statuses: [], flows: [] }, { yes: true });
            expect(applied.outcome, applied.message).toBe("submitted");
            await settleJobs(sim2);
            const deleted = sim2.bulkDeleteJobs().flatMap((j) => j.deleted).sort();
            expect(deleted).toEqual(ids.slice(0, 4).sort());
        } finally {
            await sim2.close();
        }
    });
});
