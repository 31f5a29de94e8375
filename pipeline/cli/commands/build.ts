import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { BuildLockedError } from "../../build/build-lock.js";
import { runBuild, type BuildProgress, type BuildSummary } from "../../build/run-build.js";
import { decodeOptionsOf, loadConfig } from "../../config/config.js";
import type { DecodeOptions } from "../../decode/action-record.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";

/**
 * Where to build: --out wins; otherwise the config's "out". The build needs no credentials, so a config
 * that is missing is fine when --out is given, and a config is only read for "out" and the URLs.
 */
async function resolveTarget(configFile: string, outFlag: string | undefined): Promise<{ out: string; urls: Record<string, string>; timeZones?: Record<string, string>; decode?: DecodeOptions }> {
    const exists = await readFile(configFile).then(() => true, () => false);
    if (!exists) {
        if (outFlag) return { out: path.resolve(outFlag), urls: {} };
        throw new UserError(`build: no ${configFile}; give --out <dir> (the folder holding raw/) or --config <file>`, ExitCode.Usage);
    }
    const config = await loadConfig(configFile, outFlag);
    return { out: config.out, urls: Object.fromEntries(config.environments.map((e) => [e.name, e.url])), timeZones: Object.fromEntries(config.environments.map((e) => [e.name, e.timeZone])), decode: decodeOptionsOf(config.logs) };
}

export function formatBuildSummary(s: BuildSummary): string {
    const lines = s.environments.map((e) => `${e.env.padEnd(16)} ${String(e.runs).padStart(8)} runs ${String(e.actions).padStart(10)} actions ${String(e.quarantined).padStart(6)} quarantined ${String(e.runsWithWarnings).padStart(6)} runs with decode warnings`);
    lines.push(`${s.runs} runs, ${s.actions} actions, ${s.quarantined} quarantined -> ${s.out} in ${s.seconds.toFixed(1)} s (${s.actionsPerSecond} actions/s)`);
    if (s.quarantined) lines.push(`see ${path.join(s.out, "quarantine")} and \`padlens inspect <env>/<run-id>\` for why`);
    if (s.runsWithWarnings) lines.push(`${s.runsWithWarnings} runs kept every action but had fields that could not be read (null in the tables): see runs.decode_warning, or \`padlens inspect <env>/<run-id>\``);
    if (s.recoveredInterruptedCommit) lines.push("note: finished the commit of an earlier build that had been interrupted");
    return lines.join("\n");
}

export function registerBuild(program: Command): void {
    program
        .command("build")
        .description("decode the action logs in <out>/raw and (re)write the Parquet tables (exit 3 when some logs were quarantined)")
        .action(async (_opts: unknown, command: Command) => {
            const global = globalOptions(command);
            const { out, urls, timeZones, decode } = await resolveTarget(global.config, global.out);
            const quiet = global.quiet || global.json;
            let last = 0;
            const onProgress = (p: BuildProgress) => {
                if (quiet || Date.now() - last < 1000) return;
                last = Date.now();
                process.stderr.write(`${p.phase}${p.env ? ` ${p.env}` : ""}${p.runsTotal ? ` ${p.runsDone}/${p.runsTotal} runs` : ""}\n`);
            };
            const summary = await runBuild({ out, environmentUrls: urls, timeZones, onProgress, decode }).catch((e: unknown) => {
                throw e instanceof BuildLockedError ? new UserError(`build: ${e.message}`, ExitCode.Failure) : e;
            });
            process.stdout.write(global.json ? `${JSON.stringify(summary)}\n` : `${formatBuildSummary(summary)}\n`);
            process.exitCode = summary.quarantined > 0 ? ExitCode.Partial : ExitCode.Ok;
        });
}
