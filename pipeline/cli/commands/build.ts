import type { Command } from "commander";
import path from "node:path";
import { BuildLockedError } from "../../builder/build-lock.js";
import type { BuildProgress } from "../../builder/run-build.js";
import { RawStore } from "../../store/raw-store.js";
import { createBuildProgress } from "../../ui/progress.js";
import { terminal } from "../../ui/terminal.js";
import { buildTarget } from "../build-target.js";
import { formatBuildSummary, runBuildStage, type BuildStageResult } from "../build-stage.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";
import { interruptible } from "../interrupt.js";
import { finish } from "../outcome.js";

/** What --json carries for a build: the build summary plus which quarantines are new (docs/cli.md). */
export function buildJson(r: BuildStageResult): Record<string, unknown> {
    return { ...r.summary, quarantinedNew: r.quarantine.new, quarantinedEarlier: r.quarantine.earlier, newQuarantines: r.quarantine.newLogs };
}

/** What Ctrl-C during a build leaves behind, by the phase it had reached. */
export function keptByBuild(phase: BuildProgress["phase"] | undefined, out: string): string {
    return phase === "commit"
        ? `stopped while committing in ${out}: each environment's tables are the previous build's or this one's, never a mix; the raw store is untouched`
        : `the build was stopped before its commit: the tables in ${out} are as they were (environments already committed keep this build's), the raw store is untouched; run \`padlens build\` again`;
}

function compressionOf(flag: string | undefined): "zstd" | "snappy" | undefined {
    if (flag === undefined) return undefined;
    if (flag === "zstd" || flag === "snappy") return flag;
    throw new UserError(`--compression: '${flag}' is not zstd or snappy`, ExitCode.Usage);
}

export function registerBuild(program: Command): void {
    program
        .command("build")
        .description("decode the action logs in <out>/raw and (re)write the Parquet tables (no network, no credentials)")
        .option("--allow-empty", "succeed (exit 0, no tables written) when <out> has no raw store", false)
        .option("--compression <codec>", "Parquet compression: zstd (default, smallest) or snappy (for readers that reject ZSTD)")
        .option("--no-wait", "fail at once (exit 1) when a pull or build holds an environment, instead of waiting for it")
        .option("--env <name...>", "only these environments (a shard builds its own; default: every environment in the raw store)")
        .option("--full", "rewrite every day of runs, not only those that changed since the last build (same rows)", false)
        .action(async (opts: { allowEmpty: boolean; wait: boolean; compression?: string; env?: string[]; full: boolean }, command: Command) => {
            const global = globalOptions(command);
            const target = await buildTarget(global.config, global.out);
            // A mistyped --out must not replace a report's tables with empty ones (and exit 0).
            const envs = await new RawStore(target.out).listEnvironments();
            const compression = compressionOf(opts.compression) ?? target.compression;
            if (!envs.length && !opts.allowEmpty) {
                throw new UserError(
                    `build: no raw store in ${target.out} (nothing under ${path.join(target.out, "raw")}): check --out or the config's "out", or run \`padlens pull\` first; --allow-empty succeeds with no tables`,
                    ExitCode.Usage,
                );
            }
            const progress = createBuildProgress(process.stderr, { quiet: global.quiet || global.json });
            const result = await interruptible(
                { command: "build", stop: () => progress.stop(), kept: () => keptByBuild(progress.phase, target.out) },
                () => runBuildStage({
                    out: target.out, environmentUrls: target.urls, timeZones: target.timeZones, decode: target.decode, onProgress: (p) => progress.update(p),
                    compression,
                    envs: opts.env,
                    full: opts.full,
                    lock: { wait: opts.wait, onWait: (m) => terminal.err(`${m}\n`) },
                }),
            ).catch((e: unknown) => {
                if (e instanceof BuildLockedError) throw new UserError(`build: ${e.message}`, ExitCode.Failure);
                throw new UserError(`build failed: ${e instanceof Error ? e.message : String(e)}`, ExitCode.Failure);
            }).finally(() => progress.stop());
            if (!global.json) terminal.out(`${formatBuildSummary(result.summary, result.quarantine)}\n`);
            finish({ command: "build", exitCode: result.exitCode, problems: result.problems, data: buildJson(result) }, global);
        });
}
