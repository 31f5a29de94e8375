import type { Command } from "commander";
import path from "node:path";
import { decodeOptionsOf, loadConfig, type PadlensConfig } from "../../config/config.js";
import { acquireEnvLocks, BuildLockedError } from "../../builder/build-lock.js";
import { pullAll, type PullSummary } from "../../pull/pull.js";
import { createBuildProgress, createProgressDisplay, type BuildProgressDisplay } from "../../ui/progress.js";
import { summaryTable } from "../../ui/summary.js";
import { terminal } from "../../ui/terminal.js";
import { formatBuildSummary, runBuildStage, type BuildStageResult } from "../build-stage.js";
import { ExitCode, statusOf, UserError, worst } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";
import { interruptible } from "../interrupt.js";
import { finish } from "../outcome.js";
import { keptByBuild } from "./build.js";
import { retentionAfterPull } from "../../retention/every-pull.js";
import type { ApplyOutcome, EnvApply } from "../../retention/apply.js";

interface PullCommandOptions {
    env?: string[];
    build: boolean;
    wait: boolean;
    retryUnavailable: boolean;
}

/**
 * 0 every environment pulled; 3 some failed, or runs were skipped as untrusted input (both happened in
 * this pull); 1 every environment failed.
 */
export function pullExitCode(summary: PullSummary): ExitCode {
    const failed = summary.environments.filter((r) => !r.ok).length;
    if (failed === 0) return summary.environments.some((r) => r.runsSkipped > 0) ? ExitCode.Partial : ExitCode.Ok;
    return failed === summary.environments.length ? ExitCode.Failure : ExitCode.Partial;
}

/** One line per thing that went wrong in this pull (what made it partial or failed). */
export function pullProblems(summary: PullSummary): string[] {
    const problems: string[] = [];
    for (const r of summary.environments) {
        if (!r.ok) problems.push(r.error ?? `${r.env}: failed`);
        if (r.runsSkipped > 0) problems.push(`${r.env}: ${r.runsSkipped} run${r.runsSkipped === 1 ? "" : "s"} skipped as untrusted input (not stored, logs not requested)`);
    }
    return problems;
}

interface BuildOutcome {
    exitCode: ExitCode;
    error?: string;
    result?: BuildStageResult;
}

/** Outcomes of an every-pull retention apply that mean something needs looking at. */
const RETENTION_PROBLEMS = new Set<ApplyOutcome>(["refused", "plan-failed", "unknown"]);

export function registerPull(program: Command): void {
    program
        .command("pull")
        .description("fetch flows, machines, runs and action logs of every configured environment into <out>/raw (incremental), then build the tables")
        .option("--env <name...>", "only these environments")
        .option("--no-build", "only fetch; do not rebuild the Parquet tables afterwards")
        .option("--no-wait", "fail at once (exit 1) when another pull or build holds the output folder, instead of waiting for it")
        .option("--retry-unavailable", "ask again for the logs of runs stored as unavailable (the service kept failing them)", false)
        .action(async (opts: PullCommandOptions, command: Command) => {
            const global = globalOptions(command);
            const config = await loadConfig(global.config, global.out);
            const unknown = (opts.env ?? []).filter((n) => !config.environments.some((e) => e.name === n));
            if (unknown.length) throw new UserError(`--env: no environment named ${unknown.join(", ")} in ${global.config} (have ${config.environments.map((e) => e.name).join(", ")})`, ExitCode.Usage);
            const quiet = global.quiet || global.json;
            const names = opts.env?.length ? opts.env : config.environments.map((e) => e.name);
            const display = createProgressDisplay(process.stderr, { quiet, envs: names });
            const raw = path.join(config.out, "raw");
            let stage: "pull" | "build" = "pull";
            let buildProgress: BuildProgressDisplay | undefined;
            const kept = (): string => {
                const fetched = `${display.runsFetched} run${display.runsFetched === 1 ? "" : "s"} fetched by this pull`;
                return stage === "pull"
                    ? `${fetched} are kept in ${raw}, each complete with its logs; the next pull continues from there (tables not rebuilt)`
                    : `the pull finished (${fetched}, kept in ${raw}); ${keptByBuild(buildProgress?.phase, config.out)}`;
            };
            const { summary, build, retention } = await interruptible({ command: "pull", stop: () => { display.stop(); buildProgress?.stop(); }, kept }, async () => {
                // Held through the pull, its build and any retention after it: another pull or build waits for all of it.
                const envs = opts.env?.length ? opts.env : config.environments.map((e) => e.name);
                const release = await acquireEnvLocks(config.out, envs, { command: "pull", wait: opts.wait, onWait: (m) => display.message(m) }).catch((error: unknown) => {
                    throw error instanceof BuildLockedError ? new UserError(`pull: ${error.message}`, ExitCode.Failure) : error;
                });
                try {
                    return await pullBuildRetain();
                } finally {
                    await release();
                }
            });
            async function pullBuildRetain(): Promise<{ summary: PullSummary; build: BuildOutcome | undefined; retention: EnvApply[] | null }> {
                let summary: PullSummary;
                try {
                    summary = await pullAll(config, { only: opts.env, noWait: !opts.wait, retryUnavailable: opts.retryUnavailable, onProgress: (p) => display.update(p), onMessage: (m) => display.message(m) });
                } catch (error) {
                    // Another pull or build holds the folder and --no-wait: nothing was fetched, say who holds it.
                    if (error instanceof BuildLockedError) throw new UserError(`pull: ${error.message}`, ExitCode.Failure);
                    throw error;
                } finally {
                    display.stop();
                }
                stage = "build";
                let build: BuildOutcome | undefined;
                if (opts.build && summary.environments.some((r) => r.ok)) {
                    buildProgress = createBuildProgress(process.stderr, { quiet });
                    try {
                        build = await buildAfterPull(config, buildProgress, opts.env);
                    } finally {
                        buildProgress.stop();
                    }
                }
                // A retention policy saved with `retention apply --yes --every-pull` runs now, bounded by this pull's frontier.
                const pulled = summary.environments.filter((r) => r.ok).map((r) => r.env);
                const retention = pulled.length ? await retentionAfterPull(config, { pulled }).catch((error: unknown) => {
                    terminal.err(`padlens: retention after the pull failed: ${error instanceof Error ? error.message : String(error)}\n`);
                    return null;
                }) : null;
                for (const r of retention ?? []) display.message(r.message);
                return { summary, build, retention };
            }
            const retentionProblems = (retention ?? []).filter((r) => RETENTION_PROBLEMS.has(r.outcome)).map((r) => r.message);
            const pullCode = build ? worst(pullExitCode(summary), build.exitCode) : pullExitCode(summary);
            const exitCode = retentionProblems.length && pullCode === ExitCode.Ok ? ExitCode.Partial : pullCode;
            const problems = [...pullProblems(summary), ...(build?.result?.problems ?? []), ...(build?.error ? [`build failed: ${build.error}`] : []), ...retentionProblems];
            if (!global.json) terminal.out(`${summaryTable(summary)}\n${build?.result ? `${formatBuildSummary(build.result.summary, build.result.quarantine)}\n` : ""}`);
            const { ok: _everyEnvironment, ...pulled } = summary;
            finish({
                command: "pull",
                exitCode,
                problems,
                ...(exitCode === ExitCode.Failure ? { error: problems[0] ?? "pull failed" } : {}),
                data: {
                    // Kept for scripts written against 0.1 (which said "ok": true while exiting 3): now true only when status is ok.
                    ok: exitCode === ExitCode.Ok,
                    ...pulled,
                    build: build ? buildStageJson(build) : null,
                    retention: retention ?? null,
                },
            }, global);
        });
}

/** The build stage in pull's --json: status and exit code of the stage, the build summary, which quarantines are new. */
function buildStageJson(build: BuildOutcome): Record<string, unknown> {
    const r = build.result;
    return {
        status: statusOf(build.exitCode),
        exitCode: build.exitCode,
        ...(build.error ? { error: build.error } : {}),
        ...(r ? { summary: r.summary, quarantinedNew: r.quarantine.new, quarantinedEarlier: r.quarantine.earlier, newQuarantines: r.quarantine.newLogs } : {}),
    };
}

/**
 * The build stage after a pull. DuckDB loads only when there is something to build (lazily, in
 * runBuildStage), and `--no-build` (a fetch-only worker, say) never pays for it.
 */
async function buildAfterPull(config: PadlensConfig, progress: BuildProgressDisplay, envs: string[] | undefined): Promise<BuildOutcome> {
    try {
        const result = await runBuildStage({
            out: config.out,
            // A shard (`pull --env A`) builds what it pulled and never waits for another shard's environments.
            envs,
            environmentUrls: Object.fromEntries(config.environments.map((e) => [e.name, e.url])),
            timeZones: Object.fromEntries(config.environments.map((e) => [e.name, e.timeZone])),
            decode: decodeOptionsOf(config.logs),
            compression: config.compression,
            onProgress: (p) => progress.update(p),
        });
        return { result, exitCode: result.exitCode };
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        terminal.err(`padlens: build failed: ${message}\n`);
        return { exitCode: ExitCode.Failure, error: message };
    }
}
