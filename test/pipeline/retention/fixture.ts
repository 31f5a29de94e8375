import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { DataverseRow, SampleDataset } from "../../../simulator/sample/model.js";
import type { SimulatorHandle } from "../../../simulator/server/index.js";
import { runBuild } from "../../../pipeline/builder/run-build.js";
import type { PadlensConfig } from "../../../pipeline/config/config.js";
import { pullAll } from "../../../pipeline/pull/pull.js";
import { makeDataset, type EnvSpec } from "../pull/fixture.js";

export { caDir, configJson, makeConfig } from "../pull/fixture.js";

/** The pull fixture's environments: run i created at 2026-01-10 + i minutes, the last one still running. */
export const BASE = Date.UTC(2026, 0, 10);
export const createdAt = (i: number, extraMs = 0): string => new Date(BASE + i * 60_000 + extraMs).toISOString();

/**
 * A dataset whose runs' V1 logs are unreadable for the given run indexes (the build quarantines them),
 * per environment name.
 */
export function retentionDataset(specs: EnvSpec[], quarantined: Record<string, number[]> = {}): SampleDataset {
    const dataset = makeDataset(specs);
    for (const env of dataset.environments) {
        const bad = new Set((quarantined[env.name] ?? []).map((i) => String(env.flowsessions[i].flowsessionid)));
        const original = env.additionalContext;
        env.additionalContext = (id) => (bad.has(id) ? Buffer.from("{\"actions\": [ this is not JSON") : original(id));
    }
    return dataset;
}

/** A new run of an environment created at `createdOn` (finished, succeeded, cloud-started, no log), not yet listed anywhere. */
export function extraRun(template: DataverseRow, id: string, createdOn: string): DataverseRow {
    const done = new Date(Date.parse(createdOn) + 20_000).toISOString();
    return { ...template, flowsessionid: id, name: `extra ${id.slice(-4)}`, statuscode: 4, createdon: createdOn, startedon: createdOn, completedon: done, modifiedon: new Date(Date.now()).toISOString(), errorcode: null, triggertype: 1 };
}

export async function archive(config: PadlensConfig, options: { build?: boolean } = {}): Promise<void> {
    const summary = await pullAll(config, { maxAttempts: 3 });
    const failed = summary.environments.filter((e) => !e.ok);
    if (failed.length) throw new Error(`pull failed: ${failed.map((e) => e.error).join("; ")}`);
    if (options.build !== false) await runBuild({ out: config.out });
}

/** Waits until every bulk deletion job the simulator has is no longer waiting or running. */
export async function settleJobs(sim: SimulatorHandle, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (sim.bulkDeleteJobs().some((j) => j.asyncoperation.statecode !== 3 && j.recurrence === "")) {
        if (Date.now() > until) throw new Error("bulk deletion jobs did not finish");
        await new Promise((r) => setTimeout(r, 20));
    }
}

/** Every file under a folder with its size, mtime and content hash: a folder that "writes nothing" keeps this. */
export async function folderDigest(root: string): Promise<string> {
    if (!existsSync(root)) return "(absent)";
    const hash = createHash("sha256");
    const entries = (await readdir(root, { recursive: true, withFileTypes: true })).map((e) => path.join(e.parentPath, e.name)).sort();
    for (const file of entries) {
        const s = await stat(file);
        hash.update(`${path.relative(root, file)}\n${s.isDirectory() ? "dir" : `${s.size} ${s.mtimeMs}`}\n`);
        if (s.isFile()) hash.update(await readFile(file));
    }
    return hash.digest("hex");
}
