import type { Command } from "commander";
import { loadConfig, type PadlensConfig } from "../../config/config.js";
import { scrub } from "../../extract/secrets.js";
import { pullAll, type PullSummary } from "../../pull/pull.js";
import { createProgressDisplay } from "../../ui/progress.js";
import { summaryTable } from "../../ui/summary.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";

interface PullCommandOptions {
    env?: string[];
    build: boolean;
}

/** 0 all environments pulled, 3 some failed, 1 all failed. */
export function pullExitCode(summary: PullSummary): ExitCode {
    const failed = summary.environments.filter((r) => !r.ok).length;
    if (failed === 0) return ExitCode.Ok;
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
            else process.stdout.write(`${scrub(summaryTable(summary))}\n`);
            process.exitCode = build?.exitCode && build.exitCode > pullExitCode(summary) ? build.exitCode : pullExitCode(summary);
        });
}

interface BuildOutcome {
    ran: boolean;
    exitCode?: ExitCode;
    error?: string;
    result?: unknown;
}

/**
 * Hook to the build stage (another module's job): runs `runBuild({ out, environmentUrls })` when the
 * build module exports it. Loaded lazily so pull works, and `--no-build` costs nothing, without it.
 */
async function buildAfterPull(config: PadlensConfig, quiet: boolean): Promise<BuildOutcome> {
    const candidates = ["../../build/index.js", "../../build/run-build.js"];
    let runBuild: ((options: { out: string; environmentUrls: Record<string, string> }) => Promise<unknown>) | undefined;
    for (const specifier of candidates) {
        const mod = (await import(specifier).catch(() => null)) as { runBuild?: typeof runBuild } | null;
        if (typeof mod?.runBuild === "function") {
            runBuild = mod.runBuild;
            break;
        }
    }
    if (!runBuild) return { ran: false };
    if (!quiet) process.stderr.write("building tables...\n");
    try {
        const result = await runBuild({ out: config.out, environmentUrls: Object.fromEntries(config.environments.map((e) => [e.name, e.url])) });
        const quarantined = JSON.stringify(result ?? {}).match(/"quarantined":\s*([1-9]\d*)/);
        return { ran: true, result, exitCode: quarantined ? ExitCode.Partial : ExitCode.Ok };
    } catch (error) {
        const message = scrub(error instanceof Error ? error.message : String(error));
        process.stderr.write(`padlens: build failed: ${message}\n`);
        return { ran: true, exitCode: ExitCode.Failure, error: message };
    }
}
