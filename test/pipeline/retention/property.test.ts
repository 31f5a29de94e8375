import { DuckDBInstance } from "@duckdb/node-api";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../../simulator/server/index.js";
import { sqlString } from "../../../pipeline/load/duckdb.js";
import { runApply, runStatus } from "../../../pipeline/retention/run.js";
import { parquetTable } from "../../../pipeline/serve/parquet-source.js";
import { deletedRuns } from "../../../pipeline/store/deletions.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { rmRetrying } from "../../../pipeline/util/fs-retry.js";
import { archive, caDir, createdAt, extraRun, makeConfig, retentionDataset, settleJobs } from "./fixture.js";

/**
 * Random archive states (unpulled, changed after pull, missing log, unbuilt, built from an older version,
 * quarantined, verified) in two environments, then a real `apply --yes` against the simulator: no job may
 * delete a run that was not verified, each deletes exactly the verified runs before the frontier the test
 * computes on its own, and after the next pull and build every deleted run is still in Parquet, unchanged.
 */
const ROUNDS = 4;
type State = "verified" | "changed" | "missing-log" | "stale-build";

function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));

/** Published runs and actions rows of some runs, as text (deleted_in_source_on, which must change, left out). */
async function publishedRows(out: string, env: string, runIds: string[]): Promise<Map<string, string>> {
    const rows = new Map<string, string>();
    if (runIds.length === 0) return rows;
    const instance = await DuckDBInstance.create(":memory:");
    const con = await instance.connect();
    try {
        await con.run("SET TimeZone='UTC'");
        const list = runIds.map(sqlString).join(",");
        for (const table of ["runs", "actions"] as const) {
            const described = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${parquetTable(out, table)}`);
            const columns = described.getRows().map((r) => String(r[0])).filter((c) => c !== "deleted_in_source_on");
            const r = await con.runAndReadAll(`SELECT ${columns.map((c) => `"${c}"`).join(", ")} FROM ${parquetTable(out, table)} WHERE env = ${sqlString(env)} AND run_id IN (${list}) ORDER BY run_id${table === "actions" ? ", seq" : ""}`);
            const runIdAt = columns.indexOf("run_id");
            for (const row of r.getRows()) {
                const id = String(row[runIdAt]);
                rows.set(id, `${rows.get(id) ?? ""}${table}:${json(row)}\n`);
            }
        }
        return rows;
    } finally {
        con.closeSync();
        instance.closeSync();
    }
}

let tmp: string;
/** Across rounds: the property must have been exercised, not held vacuously. */
const seen = { deleted: 0, quarantinedDeleted: 0, heldBack: 0, rounds: 0 };
beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-retention-property-"));
});
afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
});

describe("retention apply over random archive states (property)", () => {
    it.each(Array.from({ length: ROUNDS }, (_, i) => i))("round %i: only verified runs are deleted, exactly those before the frontier, and they stay in Parquet unchanged", async (round) => {
        const random = prng(1000 + round);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
        const specs = [{ name: "alpha", runs: 30, logVersion: 2 as const }, { name: "beta", runs: 24, logVersion: 0 as const }];
        const quarantined = Object.fromEntries(specs.map((s) => [s.name, Array.from({ length: s.runs }, (_, i) => i).filter(() => random() < 0.12)]));
        const dataset = retentionDataset(specs, quarantined);
        const quarantinedIds = new Set(dataset.environments.flatMap((env) => (quarantined[env.name] ?? []).map((i) => String(env.flowsessions[i].flowsessionid))));
        // Creation times anywhere inside their minute, so frontiers fall on odd milliseconds.
        for (const env of dataset.environments) env.flowsessions.forEach((r, i) => (r.createdon = createdAt(i, Math.floor(random() * 30_000))));
        const sim = await startSimulator({ caDir: caDir(), dataset });
        try {
            // Runs stay loose: the test loses log files to see them blocked.
            const config = makeConfig(sim, path.join(tmp, `round-${round}`), { rawStore: { compact: false } });
            const store = new RawStore(config.out);
            await archive(config);

            const states = new Map<string, State>();
            const extras: Array<{ env: string; id: string; createdOn: string; pulled: boolean }> = [];
            for (const [e, env] of sim.dataset.environments.entries()) {
                // How damaged this archive is: from nearly clean to one run in four.
                const damage = 0.03 + random() * 0.22;
                for (const row of env.flowsessions) states.set(`${env.name}/${String(row.flowsessionid)}`, random() < damage ? pick(["changed", "missing-log", "stale-build"] as const) : "verified");
                for (let k = 0; k < 2; k++) {
                    const i = Math.floor((0.3 + random() * 0.7) * (specs[e].runs - 1));
                    extras.push({ env: env.name, id: `0000000e-${(e + 1).toString(16).padStart(4, "0")}-4000-8000-${(round * 100 + k).toString(16).padStart(12, "0")}`, createdOn: createdAt(i, 45_000 + k), pulled: random() < 0.5 });
                }
            }
            const stateOf = (env: string, id: string): State => states.get(`${env}/${id}`) ?? "verified";
            // Pulled again but not built: runs changed now, and new old runs.
            for (const env of sim.dataset.environments) {
                for (const row of env.flowsessions) if (stateOf(env.name, String(row.flowsessionid)) === "stale-build") row.modifiedon = new Date(Date.now() - 3000).toISOString();
                for (const x of extras.filter((x) => x.env === env.name && x.pulled)) env.flowsessions.push(extraRun(env.flowsessions[0], x.id, x.createdOn));
            }
            await archive(config, { build: false });
            // Not pulled: runs changed after the pull, new old runs; and log files lost from the raw store.
            for (const env of sim.dataset.environments) {
                for (const row of env.flowsessions) {
                    const id = String(row.flowsessionid);
                    if (stateOf(env.name, id) === "changed") row.modifiedon = new Date(Date.now() + 1000).toISOString();
                    if (stateOf(env.name, id) === "missing-log") {
                        const stored = await store.readRun(env.name, id);
                        if (stored?.fetch.v1.state === "fetched") await rmRetrying(store.v1Path(env.name, id));
                        else if (stored?.fetch.v2.state === "fetched") await rmRetrying(store.v2Path(env.name, id));
                        else states.set(`${env.name}/${id}`, "verified");
                    }
                }
                for (const x of extras.filter((x) => x.env === env.name && !x.pulled)) env.flowsessions.push(extraRun(env.flowsessions[0], x.id, x.createdOn));
            }

            // What must be deleted, computed from the states alone.
            const cutoff = createdAt(3 + Math.floor(random() * 26), Math.floor(random() * 60_000));
            const expected = new Map<string, string[]>();
            const verifiedIds = new Set<string>();
            for (const env of sim.dataset.environments) {
                const inScope = env.flowsessions.filter((r) => Date.parse(String(r.createdon)) < Date.parse(cutoff));
                const isVerified = (r: (typeof inScope)[number]): boolean => {
                    const id = String(r.flowsessionid);
                    if (extras.some((x) => x.id === id)) return false;
                    return stateOf(env.name, id) === "verified" && r.completedon !== null;
                };
                for (const r of inScope) if (isVerified(r)) verifiedIds.add(String(r.flowsessionid));
                const frontier = Math.min(Date.parse(cutoff), ...inScope.filter((r) => !isVerified(r)).map((r) => Date.parse(String(r.createdon))));
                expected.set(env.name, inScope.filter((r) => Date.parse(String(r.createdon)) < frontier).map((r) => String(r.flowsessionid)).sort());
            }
            const before = new Map<string, Map<string, string>>();
            for (const env of specs) before.set(env.name, await publishedRows(config.out, env.name, expected.get(env.name)!));

            const results = await runApply(config, { olderThan: "test", cutoff, statuses: [], flows: [] }, { yes: true });
            await settleJobs(sim);
            const jobs = sim.bulkDeleteJobs();
            for (const env of specs) {
                const r = results.find((x) => x.env === env.name)!;
                const envJobs = jobs.filter((j) => j.env === env.name);
                expect(envJobs.length).toBeLessThanOrEqual(1);
                const deleted = envJobs.flatMap((j) => j.deleted).sort();
                expect(deleted.filter((id) => !verifiedIds.has(id)), `${env.name}: unverified runs deleted`).toEqual([]);
                expect(deleted, `${env.name}: ${r.message}`).toEqual(expected.get(env.name));
                expect(r.outcome).toBe(deleted.length ? "submitted" : "nothing-to-delete");
                seen.deleted += deleted.length;
                seen.heldBack += r.plan.blocked;
                seen.quarantinedDeleted += deleted.filter((id) => quarantinedIds.has(id)).length;
            }

            // status records what the jobs removed; the next pull and build keep every deleted run as it was.
            const statuses = await runStatus(config);
            for (const s of statuses) {
                expect(s.ok, s.error).toBe(true);
                const wanted = expected.get(s.env)!;
                expect([...(await deletedRuns(store, s.env)).keys()].sort()).toEqual(wanted);
                if (wanted.length) expect(s.jobs.map((j) => [j.status, j.successCount, j.newlyRecordedDeleted])).toEqual([["succeeded", wanted.length, wanted.length]]);
            }
            await archive(config);
            for (const env of specs) {
                const after = await publishedRows(config.out, env.name, expected.get(env.name)!);
                expect(after.size).toBe(expected.get(env.name)!.length);
                expect(after).toEqual(before.get(env.name));
            }
            seen.rounds++;
        } finally {
            await sim.close();
        }
    }, 180_000);

    it("exercised the property: runs deleted (quarantined ones among them) and runs held back", () => {
        expect(seen.rounds).toBe(ROUNDS);
        expect(seen.deleted).toBeGreaterThan(10);
        expect(seen.quarantinedDeleted).toBeGreaterThan(0);
        expect(seen.heldBack).toBeGreaterThan(5);
    });
});
