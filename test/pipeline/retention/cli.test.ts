import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import type { PadlensConfig } from "../../../pipeline/config/config.js";
import { jobNameFor } from "../../../pipeline/retention/apply.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { readJobRecords, writeJobRecord } from "../../../pipeline/store/retention-jobs.js";
import { cli as runCli, onlyJson, type Run } from "../../cli/helpers.js";
import { archive, caDir, configJson, createdAt, folderDigest, makeConfig, retentionDataset, settleJobs } from "./fixture.js";

/**
 * `padlens retention` as users run it: the compiled CLI in a child process against the simulator.
 * PADLENS_TEST_MAIN runs another build of the CLI (default: lib/, compiled by the test setup).
 */
const command = process.env.PADLENS_TEST_MAIN ? [process.execPath, process.env.PADLENS_TEST_MAIN] : undefined;
const cli = (args: string[], signalWhen?: () => NodeJS.Signals | undefined): Promise<Run> => runCli(args, { command, signalWhen: signalWhen && (() => signalWhen()) });

let tmp: string;
beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-retention-cli-"));
});
afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
});

interface Setup {
    sim: SimulatorHandle;
    config: PadlensConfig;
    file: string;
}

/** A simulator with two archived environments (pulled and built) and a config file for the CLI. */
async function setup(name: string): Promise<Setup> {
    const sim = await startSimulator({ caDir: caDir(), dataset: retentionDataset([{ name: "alpha", runs: 30, logVersion: 2 }, { name: "beta", runs: 20, logVersion: 0 }], { alpha: [5] }) });
    const out = path.join(tmp, name, "out");
    const config = makeConfig(sim, out);
    await archive(config);
    const file = path.join(tmp, name, "padlens.config.json");
    await writeFile(file, JSON.stringify(configJson(sim, out), null, 2));
    return { sim, config, file };
}

const CUTOFF = createdAt(25);

describe("padlens retention plan and apply without --yes", () => {
    let s: Setup;
    beforeAll(async () => {
        s = await setup("dry");
    }, 120_000);
    afterAll(() => s.sim.close());

    it("plan prints counts, blockers, the frontier and the summary; --json is one object; neither writes anything nor sends a BulkDelete", async () => {
        const before = await folderDigest(s.config.out);
        const plan = await cli(["retention", "plan", "--config", s.file, "--older-than", CUTOFF]);
        expect(plan.code, plan.stderr).toBe(0);
        expect(plan.stdout).toContain(`retention plan: runs created before ${new Date(CUTOFF).toISOString()} (older than ${CUTOFF}), any status, any flow`);
        expect(plan.stdout).toMatch(/alpha\n {2}matching in Dataverse {5}25 runs \(counted by Dataverse's filter\)\n {2}verified in the archive {3}25 \(1 only as raw bytes: logs that do not decode\)/);
        expect(plan.stdout).toContain(`verified frontier         ${new Date(CUTOFF).toISOString()}`);
        expect(plan.stdout).toMatch(/frees \(estimate\) {10}file capacity: .* V1 logs \+ .* workflowbinary \(\d+ files, size measured on \d+\)/);
        expect(plan.stdout).toMatch(/retention: a purge would delete 44 runs in 2 environments, freeing ~.* of file capacity and 44 flowsession rows; safe: it deletes only runs padlens has archived and verified; 1 matching run not verified yet stays in Dataverse\. Nothing was changed\./);

        const json = onlyJson(await cli(["retention", "plan", "--config", s.file, "--older-than", CUTOFF, "--env", "beta", "--json"]));
        expect(json.status).toBe("ok");
        const envs = json.environments as Array<{ env: string; frontier: string; deletable: number; blockers: unknown[] }>;
        expect(envs.map((e) => [e.env, e.frontier, e.deletable])).toEqual([["beta", createdAt(19), 19]]);

        const dry = await cli(["retention", "apply", "--config", s.file, "--older-than", CUTOFF, "--status", "Succeeded,Failed", "--every-pull"]);
        expect(dry.code, dry.stderr).toBe(0);
        expect(dry.stdout).toContain("retention apply (dry run: nothing is sent, nothing is written)");
        expect(dry.stdout).toContain("BulkDelete request (NOT sent; add --yes to send it):");
        expect(dry.stdout).toContain(`POST ${s.sim.environments[0].url}/api/data/v9.2/BulkDelete`);
        expect(dry.stdout).toMatch(/"JobName": "padlens retention alpha [0-9a-f]{16}"/);
        expect(dry.stdout).toContain(`"Value": "${new Date(CUTOFF).toISOString()}"`);
        expect(dry.stdout).toContain("--every-pull: would save these filters for every pull (add --yes)");

        expect(await folderDigest(s.config.out)).toBe(before);
        expect(existsSync(path.join(s.config.out, ".padlens.lock"))).toBe(false);
        expect(s.sim.requestLog.filter((r) => r.kind !== "token" && r.method !== "GET")).toEqual([]);
        expect(s.sim.bulkDeleteJobs()).toEqual([]);
    });

    it("usage errors exit 2 and say what is accepted", async () => {
        const months = await cli(["retention", "plan", "--config", s.file, "--older-than", "6m"]);
        expect(months.code).toBe(2);
        expect(months.stderr).toMatch(/--older-than '6m': give an age such as 180d/);
        const flow = await cli(["retention", "plan", "--config", s.file, "--older-than", "30d", "--flow", "Nope"]);
        expect(flow.code).toBe(2);
        expect(flow.stderr).toMatch(/--flow: no flow named Nope in the archive of alpha, beta/);
        expect((await cli(["retention", "plan", "--config", s.file])).code).toBe(2);
    });

    it("a missing privilege is named with how to grant it; nothing is submitted", async () => {
        s.sim.setDeniedPrivileges("alpha", ["prvBulkDelete"]);
        s.sim.setDeniedPrivileges("beta", ["prvDeleteflowsession"]);
        try {
            const r = await cli(["retention", "apply", "--config", s.file, "--older-than", CUTOFF, "--yes"]);
            expect(r.code).toBe(1);
            expect(r.stdout).toContain("refused: alpha: missing privilege prvBulkDelete — give the app user's security role the Bulk Delete privilege");
            expect(r.stdout).toContain("refused: beta: missing privilege prvDeleteflowsession — give the app user's security role Delete on Flow Session");
            expect(s.sim.bulkDeleteJobs()).toEqual([]);
            const records = await readJobRecords(new RawStore(s.config.out), "alpha");
            expect(records.map((x) => x.state)).toEqual(["not-submitted"]);
        } finally {
            s.sim.setDeniedPrivileges("alpha", []);
            s.sim.setDeniedPrivileges("beta", []);
        }
    });
});

describe("padlens retention apply --yes, killed at random points", () => {
    let s: Setup;
    beforeAll(async () => {
        s = await setup("kill");
    }, 120_000);
    afterAll(() => s.sim.close());

    const records = (env: string): Array<{ state: string }> => {
        const dir = path.join(s.config.out, "raw", env, "retention", "jobs");
        if (!existsSync(dir)) return [];
        return readdirSync(dir).filter((f) => /^[0-9a-f]{16}\.json$/.test(f)).map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as { state: string });
    };

    it("a request whose answer was lost is found by its job name: no second job", async () => {
        // As if a killed apply had written its record and Dataverse had created the job, but the answer never came.
        const store = new RawStore(s.config.out);
        const id = "00000000000000aa";
        const name = jobNameFor("beta", id);
        const jobId = s.sim.submitBulkDelete("beta", { QuerySet: [{ EntityName: "flowsession", Criteria: { Conditions: [{ AttributeName: "createdon", Operator: "LessThan", Values: [{ Value: createdAt(3), Type: "System.DateTime" }] }] } }], JobName: name });
        await writeJobRecord(store, {
            schemaVersion: 1, id, env: "beta", jobName: name, state: "submitting", createdAt: new Date().toISOString(), request: {},
            query: { olderThan: "x", cutoff: CUTOFF, frontier: createdAt(3), modifiedOnAtMost: createdAt(3), statuses: [], flowIds: [] },
            counts: { matching: 3, verified: 3, toDelete: 3, blocked: 0 }, runIds: [],
        });
        await settleJobs(s.sim);
        const status = onlyJson(await cli(["retention", "status", "--config", s.file, "--env", "beta", "--json"]));
        const jobs = (status.environments as Array<{ jobs: Array<{ jobId: string; recorded: string; status: string }> }>)[0].jobs;
        expect(jobs.map((j) => [j.jobId, j.recorded, j.status])).toEqual([[jobId, "submitted", "succeeded"]]);
    });

    it("leaves at most one job per environment, and status finds it", async () => {
        s.sim.setLatency(8);
        const timed = Date.now();
        await cli(["retention", "apply", "--config", s.file, "--older-than", CUTOFF, "--env", "alpha"]);
        const fullMs = Date.now() - timed;
        const kills: string[] = [];
        try {
            for (let i = 0; i < 6; i++) {
                const jobsBefore = s.sim.bulkDeleteJobs().length;
                const started = Date.now();
                const at = Math.random() * fullMs * 1.2;
                const strategy = (["random", "record", "server"] as const)[i % 3];
                const when = (): NodeJS.Signals | undefined => {
                    if (strategy === "random") return Date.now() - started >= at ? "SIGKILL" : undefined;
                    if (strategy === "record") return ["alpha", "beta"].some((e) => records(e).some((r) => r.state === "submitting")) ? "SIGKILL" : undefined;
                    return s.sim.bulkDeleteJobs().length > jobsBefore ? "SIGKILL" : undefined;
                };
                const r = await cli(["retention", "apply", "--config", s.file, "--older-than", CUTOFF, "--yes", "--quiet"], when);
                kills.push(`${strategy}:${r.signal ?? r.code}`);
                await settleJobs(s.sim);
            }
        } finally {
            s.sim.setLatency(0);
        }
        const final = await cli(["retention", "apply", "--config", s.file, "--older-than", CUTOFF, "--yes"]);
        expect(final.code, `${kills.join(" ")}\n${final.stdout}\n${final.stderr}`).toBe(0);
        await settleJobs(s.sim);
        const status = onlyJson(await cli(["retention", "status", "--config", s.file, "--json"]));
        for (const env of ["alpha", "beta"]) {
            const serverJobs = s.sim.bulkDeleteJobs().filter((j) => j.env === env && !j.name.endsWith("00000000000000aa"));
            expect(serverJobs.length, `${env}: ${kills.join(" ")}`).toBe(1);
            const found = (status.environments as Array<{ env: string; jobs: Array<{ jobId: string; status: string }> }>).find((e) => e.env === env)!.jobs;
            expect(found.map((j) => j.jobId)).toContain(serverJobs[0].jobId);
            expect(records(env).filter((r) => r.state === "submitting")).toEqual([]);
        }
        // Everything verified is gone from Dataverse: one more apply has nothing to do.
        const again = await cli(["retention", "apply", "--config", s.file, "--older-than", CUTOFF, "--yes"]);
        expect(again.stdout).toMatch(/nothing-to-delete: alpha: nothing to delete/);
    }, 180_000);
});

describe("padlens retention status", () => {
    let s: Setup;
    beforeAll(async () => {
        s = await setup("partial");
    }, 120_000);
    afterAll(() => s.sim.close());

    it("reports a job that failed part-way with its counts (exit 3), and records what it did delete", async () => {
        s.sim.setFaults("bulkdelete-partial");
        const apply = await cli(["retention", "apply", "--config", s.file, "--older-than", CUTOFF, "--env", "beta", "--yes"]);
        expect(apply.code, apply.stdout).toBe(0);
        expect(apply.stdout).toMatch(/submitted: beta: submitted bulk deletion job [0-9a-f-]{36} for 19 verified runs/);
        await settleJobs(s.sim);
        const r = await cli(["retention", "status", "--config", s.file, "--env", "beta"]);
        expect(r.code).toBe(3);
        expect(r.stdout).toMatch(/failed: beta: bulk deletion job [0-9a-f-]{36} failed part-way: deleted 9 of 19 runs, 10 failed: The bulk deletion job stopped after deleting 9 of 19 records/);
        expect(r.stdout).toMatch(/: failed: deleted 9 of 19 expected, 10 failed; 9 runs now marked deleted_in_source_on/);
        const json = onlyJson(await cli(["retention", "status", "--config", s.file, "--env", "beta", "--json"]));
        expect(json.status).toBe("partial");
        expect(json.problems).toEqual([expect.stringMatching(/failed part-way: deleted 9 of 19 runs, 10 failed/)]);
    });
});
