import { runBuild } from "../pipeline/builder/run-build.js";

/**
 * One build in its own process, for the benchmarks: `node lib/bench/build-child.js <out> [full]`. Prints one
 * JSON line with the build's time and the process's peak resident memory (`maxRSS`, which counts DuckDB's
 * native memory too: sampling `process.memoryUsage()` after DuckDB closed printed a third of the real peak).
 */
const [out, mode] = process.argv.slice(2);
const started = process.hrtime.bigint();
const summary = await runBuild({ out, full: mode === "full" });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({
    seconds,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    actions: summary.actions,
    runs: summary.runs,
    unitsRewritten: summary.environments.reduce((n, e) => n + e.unitsRewritten, 0),
    runsDecoded: summary.environments.reduce((n, e) => n + e.runsDecoded, 0),
})}\n`);
