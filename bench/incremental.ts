import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateDataset } from "../simulator/sample/index.js";
import { writeSampleToRawStore } from "../simulator/sample/raw-store-writer.js";
import { compactEnvironment } from "../pipeline/store/compact.js";

/**
 * What a build costs as history grows: at 1x and 4x the demo's history (30 and 120 days), a full build
 * (time and peak RSS of its own process), a build with nothing changed, and a build after a pull that
 * re-fetched the newest 1% of runs, as a ratio to the full build measured in the same run. Each build runs
 * in a fresh process, as the scheduled `padlens pull` does.
 */

const run = promisify(execFile);
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "build-child.js");
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface ChildResult {
    seconds: number;
    maxRssMB: number;
    actions: number;
    runs: number;
    unitsRewritten: number;
    runsDecoded: number;
}

async function build(out: string, full: boolean): Promise<ChildResult & { wallSeconds: number }> {
    const t = process.hrtime.bigint();
    const { stdout } = await run(process.execPath, [child, out, ...(full ? ["full"] : [])], { maxBuffer: 1 << 20 });
    const wallSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    return { ...(JSON.parse(stdout.trim().split("\n").pop()!) as ChildResult), wallSeconds };
}

async function countFiles(dir: string): Promise<number> {
    let n = 0;
    for (const e of await readdir(dir, { withFileTypes: true })) n += e.isDirectory() ? await countFiles(path.join(dir, e.name)) : 1;
    return n;
}

export async function benchIncremental(runs: number): Promise<string[][]> {
    const rows: string[][] = [];
    for (const [label, days] of [["1x", 30], ["4x", 120]] as const) {
        const work = await mkdtemp(path.join(os.tmpdir(), "padlens-bench-incr-"));
        try {
            process.stderr.write(`bench: incremental: generating ${days} days of history...\n`);
            const dataset = generateDataset({ days });
            const out = path.join(work, "out");
            const store = await writeSampleToRawStore(out, dataset);
            // As the pull leaves it: closed months and settled runs packed (the clock 7 hours on, so every
            // finished run has settled).
            const files = await countFiles(path.join(out, "raw"));
            for (const e of dataset.environments) await compactEnvironment(store, e.name, { now: () => new Date(Date.now() + 7 * 3_600_000) });
            const full: Array<ChildResult & { wallSeconds: number }> = [];
            const none: Array<ChildResult & { wallSeconds: number }> = [];
            const onePercent: Array<ChildResult & { wallSeconds: number }> = [];
            // The newest 1% of runs by created_on: what an hourly pull re-fetches (new and still-changing runs).
            const all = dataset.environments.flatMap((e) => e.flowsessions.map((s) => ({ env: e.name, id: String(s.flowsessionid), at: String(s.createdon) })));
            const newest = new Set(all.sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, Math.max(1, Math.round(all.length / 100))).map((r) => `${r.env}/${r.id}`));
            for (let i = 0; i < runs; i++) {
                full.push(await build(out, true));
                none.push(await build(out, false));
                await writeSampleToRawStore(out, dataset, `2026-01-02T00:00:0${i}Z`, (env, id) => newest.has(`${env}/${id}`));
                onePercent.push(await build(out, false));
                process.stderr.write(`bench: incremental ${label} run ${i + 1}/${runs}: full ${full[i].seconds.toFixed(2)} s (${full[i].maxRssMB} MB), unchanged ${none[i].seconds.toFixed(2)} s, 1% changed ${onePercent[i].seconds.toFixed(2)} s\n`);
            }
            const f = median(full.map((r) => r.seconds));
            const n = median(none.map((r) => r.seconds));
            const p = median(onePercent.map((r) => r.seconds));
            const rawFiles = await countFiles(path.join(out, "raw"));
            const runsTotal = full[0].runs;
            rows.push(
                [`history ${label} (${days} days): runs, actions`, `${full[0].runs.toLocaleString("en-US")}, ${full[0].actions.toLocaleString("en-US")}`],
                [`  full build (median of ${runs}, own process)`, `${f.toFixed(2)} s, peak RSS ${median(full.map((r) => r.maxRssMB))} MB (maxRSS, DuckDB included)`],
                [`  build with nothing changed`, `${n.toFixed(2)} s in the build, ${median(none.map((r) => r.wallSeconds)).toFixed(2)} s with process start = ${((n / f) * 100).toFixed(1)}% of full`],
                [`  build after 1% of runs re-pulled (${newest.size} runs)`, `${p.toFixed(2)} s = ${((p / f) * 100).toFixed(1)}% of full (${onePercent[0].unitsRewritten} days, ${onePercent[0].runsDecoded} runs decoded)`],
                [`  raw store files per 1,000 runs`, `${Math.round((files / runsTotal) * 1000)} loose, ${Math.round((rawFiles / runsTotal) * 1000)} packed (then the 1% re-pulled runs written loose again)`],
            );
        } finally {
            await rm(work, { recursive: true, force: true });
        }
    }
    return rows;
}
