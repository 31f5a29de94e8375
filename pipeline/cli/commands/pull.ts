import type { Command } from "commander";
import { decodeOptionsOf, loadConfig, type PadlensConfig } from "../../config/config.js";
import { scrub } from "../../extract/secrets.js";
import { pullAll, type PullSummary } from "../../pull/pull.js";
import { createProgressDisplay } from "../../ui/progress.js";
import { summaryTable } from "../../ui/summary.js";
import type { BuildSummary } from "../../build/run-build.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { formatBuildSummary } from "./build.js";
import { globalOptions } from "../global-options.js";

interface PullCommandOptions {
    env?: string[];
    build: boolean;
}

/** 0 all environments pulled, 3 some failed or runs were skipped as untrusted input, 1 all failed. */
export function pullExitCode(summary: PullSummary): ExitCode {
    const failed = summary.environments.filter((r) => !r.ok).length;
    if (failed === 0) return summary.environments.some((r) => r.runsSkipped > 0) ? ExitCode.Partial : ExitCode.Ok;
    return failed === summary.environments.length ? ExitCode.Failure : ExitCode.Partial;
}

export function registerPull(program: Command): void {
    program
        .command("pull")
        .description("fetch flows, machines, runs and action logs of every configured environment into <out>/raw (incremental)")
        .option("--env <name...>", "only these environments")
        .option("--no-build", "only fetch; do not rebuild the Parquet tables afterwards")
        .action(async (opts: PullCommandOptions, command: Command) => {
            const global = globalOptions(command);
            const config = await loadConfig(global.config, global.out);
            const unknown = (opts.env ?? []).filter((n) => !config.environments.some((e) => e.name === n));
            if (unknown.length) throw new UserError(`--env: no environment named ${unknown.join(", ")} in ${global.config} (have ${config.environments.map((e) => e.name).join(", ")})`, ExitCode.Usage);
            const display = createProgressDisplay(process.stderr, { quiet: global.quiet || global.json });
            let summary: PullSummary;
            try {
                summary = await pullAll(config, { only: opts.env, onProgress: (p) => display.update(p), onMessage: (m) => display.message(m) });
            } finally {
                display.stop();
            }
            const build = opts.build && summary.environments.some((r) => r.ok) ? await buildAfterPull(config, global.quiet || global.json) : undefined;
            if (global.json) process.stdout.write(`${scrub(JSON.stringify({ ...summary, build }))}\n`);
            else process.stdout.write(`${scrub(summaryTable(summary))}\n${build?.summary ? `${formatBuildSummary(build.summary)}\n` : ""}`);
            process.exitCode = build && build.exitCode > pullExitCode(summary) ? build.exitCode : pullExitCode(summary);
        });
}

interface BuildOutcome {
    exitCode: ExitCode;
    error?: string;
    summary?: BuildSummary;
}

/**
 * The build stage after a pull. Imported lazily: DuckDB loads only when there is something to build,
 * and `--no-build` (a fetch-only worker, say) never pays for it.
 */
async function buildAfterPull(config: PadlensConfig, quiet: boolean): Promise<BuildOutcome> {
    const { runBuild } = await import("../../build/run-build.js");
    if (!quiet) process.stderr.write("building tables...\n");
    try {
        const summary = await runBuild({ out: config.out, environmentUrls: Object.fromEntries(config.environments.map((e) => [e.name, e.url])), timeZones: Object.fromEntries(config.environments.map((e) => [e.name, e.timeZone])), decode: decodeOptionsOf(config.logs) });
        return { summary, exitCode: summary.quarantined > 0 ? ExitCode.Partial : ExitCode.Ok };
    } catch (error) {
        const message = scrub(error instanceof Error ? error.message : String(error));
        process.stderr.write(`padlens: build failed: ${message}\n`);
        return { exitCode: ExitCode.Failure, error: message };
    }
}
