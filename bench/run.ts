import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { runBuild } from "../pipeline/builder/run-build.js";
import { RawStore } from "../pipeline/store/raw-store.js";
import { generateDataset } from "../simulator/sample/index.js";
import { writeSampleToRawStore } from "../simulator/sample/raw-store-writer.js";
import { benchIncremental } from "./incremental.js";
import { benchRawStoreFiles } from "./raw-store-files.js";
import { benchShards } from "./shards.js";
import { benchRealLogs } from "./real-logs.js";
import { benchVisual } from "./visual.js";

/**
 * `npm run bench`: how fast `padlens build` turns a raw store into Parquet, as a ratio to a baseline
 * measured in the same run on the same input: `JSON.parse` of every stored log (after the same
 * decompression). The ratio, not the seconds, is what to compare across machines; these machines are
 * noisy, so each figure is the median of several runs.
 */

const RUNS = Number(process.env.PADLENS_BENCH_RUNS ?? 3);
const SCALE = Number(process.env.PADLENS_BENCH_SCALE ?? 1);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
    const t = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t) / 1e9;
}

/** The baseline: what a JavaScript-only reader must at least do, parse every log once. */
async function parseEveryLog(store: RawStore): Promise<number> {
    let documents = 0;
    for (const env of await store.listEnvironments()) {
        for (const runId of await store.listRunIds(env)) {
            const v1 = await store.readV1(env, runId);
            if (v1) {
                try {
                    let bytes: Buffer = v1;
                    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
                    let text = bytes.toString("utf8").replace(/^\uFEFF/, "").trim();
                    if (!text.startsWith("{") && !text.startsWith("[")) {
                        bytes = Buffer.from(text.replace(/\s/g, ""), "base64");
                        if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
                        text = bytes.toString("utf8").replace(/^\uFEFF/, "");
                    }
                    JSON.parse(text);
                    documents++;
                } catch {
                    // planted malformed logs: the build quarantines them, the baseline skips them
                }
            }
            const v2 = await store.readV2(env, runId);
            if (v2) for (const row of v2) if (typeof row.data === "string") JSON.parse(row.data);
        }
    }
    return documents;
}

async function main(): Promise<void> {
    const work = await mkdtemp(path.join(os.tmpdir(), "padlens-bench-"));
    try {
        process.stderr.write(`bench: generating the sample (scale ${SCALE}) into a raw store...\n`);
        const dataset = generateDataset({ scale: SCALE });
        const rawDir = path.join(work, "out");
        const store = await writeSampleToRawStore(rawDir, dataset);
        const baseline: number[] = [];
        const build: number[] = [];
        let actions = 0;
        for (let i = 0; i < RUNS; i++) {
            baseline.push(await timed(() => parseEveryLog(store)));
            build.push(await timed(async () => {
                const summary = await runBuild({ out: rawDir, full: true });
                actions = summary.actions;
            }));
            process.stderr.write(`bench: run ${i + 1}/${RUNS}: JSON.parse ${baseline[i].toFixed(2)} s, build ${build[i].toFixed(2)} s\n`);
        }
        const b = median(baseline);
        const m = median(build);
        const rows = [
            ["actions built", actions.toLocaleString("en-US")],
            [`JSON.parse of every log (baseline, median of ${RUNS})`, `${b.toFixed(2)} s`],
            [`padlens build --full, raw store -> Parquet (median of ${RUNS})`, `${m.toFixed(2)} s`],
            ["build throughput", `${Math.round(actions / m).toLocaleString("en-US")} actions/s`],
            ["full build / baseline", `${(m / b).toFixed(2)}x`],
        ];
        if (process.env.PADLENS_BENCH_INCREMENTAL !== "0") rows.push(...(await benchIncremental(RUNS)));
        if (process.env.PADLENS_BENCH_SHARDS !== "0") rows.push(...(await benchShards()));
        if (process.env.PADLENS_BENCH_RAW_STORE !== "0") rows.push(...(await benchRawStoreFiles()).map((line) => line.split(/\s{2,}|: /, 2) as string[]));
        if (process.env.PADLENS_BENCH_REAL !== "0") rows.push(...(await benchRealLogs(RUNS)));
        if (process.env.PADLENS_BENCH_VISUAL !== "0") rows.push(...(await benchVisual(RUNS)));
        const width = Math.max(...rows.map((r) => r[0].length));
        process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`);
    } finally {
        await rm(work, { recursive: true, force: true });
    }
}

await main();
