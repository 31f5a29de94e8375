import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { readLake } from "../pipeline/lake/manifest.js";
import { TABLES } from "../pipeline/load/schema.js";
import { parquetTable } from "../pipeline/serve/parquet-source.js";
import { startSimulator } from "../simulator/server/index.js";

/**
 * Four shard processes (`padlens pull --env X`, one per environment of a 4-environment simulator) pulling and
 * building in parallel into one folder, against one sequential `padlens pull` of all four into another:
 * the tables must hash the same, row for row. Prints both wall times.
 */

const run = promisify(execFile);
const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "pipeline", "cli", "main.js");

/** Row-content hash of every table, through the manifests. Timestamps of the pull itself are left out. */
async function tableHashes(out: string): Promise<Record<string, string>> {
    const inst = await DuckDBInstance.create(":memory:", { threads: "2", memory_limit: "1GB" });
    const con = await inst.connect();
    const lake = readLake(out);
    const h: Record<string, string> = {};
    try {
        for (const t of TABLES) {
            // pulled_at is when each pull finished and first_seen when each build quarantined: they differ by design.
            const cols = t.columns.map((c) => c.name).filter((c) => c !== "pulled_at" && c !== "first_seen").join(", ");
            const r = await con.runAndReadAll(
                `SELECT count(*)::BIGINT, md5(coalesce(string_agg(md5(CAST(ROW(${cols}) AS VARCHAR)), ',' ORDER BY ${t.key.join(", ")}), '')) FROM ${parquetTable(lake, t.name)}`,
            );
            const [n, hash] = r.getRows()[0];
            h[t.name] = `${String(n)}:${String(hash)}`;
        }
    } finally {
        con.closeSync();
        inst.closeSync();
    }
    return h;
}

export async function benchShards(): Promise<string[][]> {
    const work = await mkdtemp(path.join(os.tmpdir(), "padlens-bench-shards-"));
    const sim = await startSimulator({ envs: 4, days: 7, scale: 0.5, caDir: path.join(work, "ca") });
    try {
        const config = async (name: string) => {
            const file = path.join(work, `${name}.json`);
            await writeFile(file, JSON.stringify({
                out: path.join(work, name),
                authorityHost: sim.authorityHost,
                environments: sim.environments.map((e) => ({ name: e.name, url: e.url, tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret })),
            }));
            return file;
        };
        const env = { ...process.env, NODE_EXTRA_CA_CERTS: sim.caFile };
        const pull = async (file: string, only?: string) => {
            try {
                await run(process.execPath, [cli, "pull", "--config", file, "--quiet", ...(only ? ["--env", only] : [])], { env, maxBuffer: 16 << 20 });
            } catch (e) {
                // 3: logs quarantined, as the sample plants; anything else is a failure of the bench, with what the pull said.
                const err = e as { code?: number; stderr?: string };
                if (err.code !== 3) throw new Error(`pull ${only ?? "(all)"} exited ${err.code}: ${String(err.stderr ?? "").trim().slice(-2000)}`);
            }
        };
        process.stderr.write("bench: shards: one sequential pull of 4 environments...\n");
        const sequentialFile = await config("sequential");
        let t = process.hrtime.bigint();
        await pull(sequentialFile);
        const sequential = Number(process.hrtime.bigint() - t) / 1e9;
        process.stderr.write("bench: shards: 4 shard processes into one folder...\n");
        const shardFile = await config("shards");
        t = process.hrtime.bigint();
        // Every shard ends before a failure is reported: the folder is removed afterwards, and a shard still writing would race it.
        const shards = await Promise.allSettled(sim.environments.map((e) => pull(shardFile, e.name)));
        for (const r of shards) if (r.status === "rejected") throw r.reason;
        const sharded = Number(process.hrtime.bigint() - t) / 1e9;
        const [a, b] = [await tableHashes(path.join(work, "sequential")), await tableHashes(path.join(work, "shards"))];
        const differ = TABLES.map((x) => x.name).filter((n) => a[n] !== b[n]);
        return [
            ["4 shards (pull --env, in parallel, one folder) vs one pull", `${sharded.toFixed(1)} s vs ${sequential.toFixed(1)} s (4 environments, ${a.runs.split(":")[0]} runs, ${a.actions.split(":")[0]} actions)`],
            ["  tables identical row for row", differ.length === 0 ? "yes, all 7" : `NO: ${differ.join(", ")} differ`],
        ];
    } finally {
        await sim.close();
        await rm(work, { recursive: true, force: true });
    }
}
