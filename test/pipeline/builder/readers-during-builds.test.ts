import { DuckDBInstance } from "@duckdb/node-api";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runBuild } from "../../../pipeline/builder/run-build.js";
import { readLake } from "../../../pipeline/lake/manifest.js";
import { parquetTable } from "../../../pipeline/serve/parquet-source.js";
import { generateDataset } from "../../../simulator/sample/index.js";
import { rawStoreFromSample } from "../../support/raw-store-from-sample.js";

const out = mkdtempSync(path.join(os.tmpdir(), "padlens-readers-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const lib = (p: string) => JSON.stringify(pathToFileURL(path.join(import.meta.dirname, "../../../lib", p)).href);
const SAMPLE = { days: 2, scale: 0.1, envs: 2 };
const BUILDS = 20;

/**
 * Another process re-pulls a tenth of the runs and builds, 20 times, while this one reads the tables the
 * way the report and `padlens` do (one snapshot of the manifests, then the files it lists), as fast as it
 * can: every read must succeed, and no action may be read without its run.
 */
describe("readers while builds commit", () => {
    it(`${BUILDS} incremental builds: every read succeeds, one generation per environment and day, no action without its run`, async () => {
        const dataset = generateDataset(SAMPLE);
        await rawStoreFromSample(out, dataset);
        await runBuild({ out, duckdb: { memoryLimit: "512MB", threads: 1 } });

        const code = `
            const { generateDataset } = await import(${lib("simulator/sample/index.js")});
            const { writeSampleToRawStore } = await import(${lib("simulator/sample/raw-store-writer.js")});
            const { runBuild } = await import(${lib("pipeline/builder/run-build.js")});
            const dataset = generateDataset(${JSON.stringify(SAMPLE)});
            const ids = dataset.environments.flatMap((e) => e.flowsessions.map((s) => e.name + "/" + s.flowsessionid)).sort();
            for (let i = 0; i < ${BUILDS}; i++) {
                // A different tenth of the runs each time: their days are rewritten, the others kept.
                const tenth = new Set(ids.filter((_, k) => k % 10 === i % 10));
                await writeSampleToRawStore(${JSON.stringify(out)}, dataset, new Date(Date.UTC(2026, 0, 2, 0, 0, i)).toISOString(),
                    (env, id) => tenth.has(env + "/" + id));
                const s = await runBuild({ out: ${JSON.stringify(out)}, duckdb: { memoryLimit: "512MB", threads: 1 } });
                process.stdout.write(s.environments.reduce((n, e) => n + e.unitsRewritten, 0) + "\\n");
            }`;
        const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
        const rewrites: number[] = [];
        child.stdout.on("data", (d: Buffer) => rewrites.push(...d.toString().trim().split("\n").map(Number)));
        let running = true;
        const exited = new Promise<number>((resolve) => child.on("exit", (c) => {
            running = false;
            resolve(c ?? -1);
        }));

        const inst = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "256MB" });
        const con = await inst.connect();
        const errors: string[] = [];
        let reads = 0;
        let orphans = 0;
        let mismatched = 0;
        const generations = new Set<string>();
        try {
            while (running) {
                const lake = readLake(out);
                try {
                    const [row] = (await con.runAndReadAll(`
                        WITH r AS (SELECT env, run_id FROM ${parquetTable(lake, "runs")}),
                             a AS (SELECT env, run_id FROM ${parquetTable(lake, "actions")})
                        SELECT (SELECT count(*) FROM a WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.env = a.env AND r.run_id = a.run_id))::INTEGER,
                               (SELECT count(*) FROM r)::INTEGER`)).getRows();
                    orphans += Number(row[0]);
                    // What the files hold is what the manifests say they hold.
                    const listed = lake.manifests.reduce((n, m) => n + Object.values(m.units).reduce((k, u) => k + u.runs, 0), 0);
                    if (Number(row[1]) !== listed) mismatched++;
                    reads++;
                } catch (e) {
                    errors.push((e as Error).message);
                }
                for (const m of lake.manifests) {
                    generations.add(`${m.env}/${m.generation}`);
                    // A day's runs and actions files come from the same build.
                    for (const u of Object.values(m.units)) {
                        const gens = new Set([...(u.files.runs ?? []), ...(u.files.actions ?? [])].map((f) => f.slice(f.lastIndexOf("/") + 12, -".parquet".length)));
                        if (gens.size > 1 || (gens.size === 1 && !gens.has(u.generation))) mismatched++;
                    }
                }
            }
        } finally {
            con.closeSync();
            inst.closeSync();
        }
        expect(await exited).toBe(0);
        expect(rewrites).toHaveLength(BUILDS);
        expect(rewrites.every((n) => n > 0)).toBe(true);
        expect(errors).toEqual([]);
        expect(orphans).toBe(0);
        expect(mismatched).toBe(0);
        // The reads really overlapped the builds: several generations of each environment were seen.
        expect(reads).toBeGreaterThan(BUILDS);
        expect(generations.size).toBeGreaterThan(dataset.environments.length * 3);
    }, 180_000);
});
