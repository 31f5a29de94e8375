import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { acquireEnvLocks, BuildLockedError } from "../../builder/build-lock.js";
import { compactEnvironment, DEFAULT_CLOSED_AFTER_DAYS, DEFAULT_PACK_AFTER_HOURS, type CompactSummary } from "../../store/compact.js";
import { RawStore } from "../../store/raw-store.js";
import { terminal } from "../../ui/terminal.js";
import { buildTarget } from "../build-target.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";
import { interruptible } from "../interrupt.js";
import { finish } from "../outcome.js";

interface CompactCommandOptions {
    env?: string[];
    wait: boolean;
}

/** rawStore.closedAfterDays and packAfterHours of the config buildTarget validated (no config: the defaults). */
async function packingOf(configFile: string | undefined): Promise<{ closedAfterDays: number; packAfterHours: number }> {
    const text = configFile ? await readFile(configFile, "utf8").catch(() => null) : null;
    const raw = text ? (JSON.parse(text.replace(/^\uFEFF/, "")) as { rawStore?: { closedAfterDays?: number; packAfterHours?: number } }).rawStore : undefined;
    return { closedAfterDays: raw?.closedAfterDays ?? DEFAULT_CLOSED_AFTER_DAYS, packAfterHours: raw?.packAfterHours ?? DEFAULT_PACK_AFTER_HOURS };
}

const n = (x: number) => x.toLocaleString("en-US");

export function formatCompactSummary(s: CompactSummary): string {
    const what = s.packsWritten
        ? `packed ${n(s.runsPacked)} run${s.runsPacked === 1 ? "" : "s"} of ${s.months.join(", ")} into ${n(s.packsWritten)} pack${s.packsWritten === 1 ? "" : "s"} (${(s.bytesWritten / 1024 / 1024).toFixed(1)} MiB)`
        : "nothing to pack";
    const extra = [
        s.packsRemoved ? `${n(s.packsRemoved)} replaced pack${s.packsRemoved === 1 ? "" : "s"} removed` : "",
        s.leftoversRemoved ? `${n(s.leftoversRemoved)} leftover${s.leftoversRemoved === 1 ? "" : "s"} of killed writes removed` : "",
        s.unreadable.length ? `${n(s.unreadable.length)} unreadable run file${s.unreadable.length === 1 ? "" : "s"} left loose` : "",
    ].filter(Boolean);
    return `${s.env}: ${what}; files ${n(s.filesBefore)} -> ${n(s.filesAfter)}${extra.length ? `; ${extra.join(", ")}` : ""} (${s.seconds.toFixed(1)} s)`;
}

export function registerCompact(program: Command): void {
    program
        .command("compact")
        .description("pack the raw store's closed months into a few zip files per month (pull does it after each environment); no network, no credentials")
        .option("--env <name...>", "only these environments")
        .option("--no-wait", "fail at once (exit 1) when a pull or build holds an environment, instead of waiting for it")
        .action(async (opts: CompactCommandOptions, command: Command) => {
            const global = globalOptions(command);
            const target = await buildTarget(global.config, global.out);
            const store = new RawStore(target.out);
            const present = await store.listEnvironments();
            if (!present.length) {
                throw new UserError(`compact: no raw store in ${target.out} (nothing under ${path.join(target.out, "raw")}): check --out or the config's "out"`, ExitCode.Usage);
            }
            const unknown = (opts.env ?? []).filter((e) => !present.includes(e));
            if (unknown.length) throw new UserError(`--env: no environment named ${unknown.join(", ")} in ${path.join(target.out, "raw")} (have ${present.join(", ")})`, ExitCode.Usage);
            const envs = opts.env?.length ? [...new Set(opts.env)].sort() : present;
            const packing = await packingOf(target.configFile);
            const quiet = global.quiet || global.json;
            const say = (line: string) => {
                if (!quiet) terminal.err(`${line}\n`);
            };
            const summaries: CompactSummary[] = [];
            const problems: string[] = [];
            await interruptible({
                command: "compact",
                kept: () => `the raw store reads the same runs as before (a compaction stopped at any point keeps every run); run padlens compact again to finish (${summaries.length} of ${envs.length} environments done)`,
            }, async () => {
                const release = await acquireEnvLocks(target.out, envs, { command: "compact", wait: opts.wait, onWait: say }).catch((error: unknown) => {
                    throw error instanceof BuildLockedError ? new UserError(`compact: ${error.message}`, ExitCode.Failure) : error;
                });
                try {
                    for (const env of envs) {
                        try {
                            const s = await compactEnvironment(store, env, {
                                ...packing,
                                onProgress: (p) => {
                                    if (p.phase === "pack") say(`${env} ${p.month}: ${n(p.runsDone)}/${n(p.runsTotal)} runs packed`);
                                },
                            });
                            summaries.push(s);
                            if (!global.json) terminal.out(`${formatCompactSummary(s)}\n`);
                        } catch (e) {
                            problems.push(`${env}: compaction failed: ${e instanceof Error ? e.message : String(e)} (its loose files are kept)`);
                            terminal.err(`padlens: ${problems[problems.length - 1]}\n`);
                        }
                    }
                } finally {
                    await release();
                }
            });
            const exitCode = !problems.length ? ExitCode.Ok : summaries.length ? ExitCode.Partial : ExitCode.Failure;
            finish({
                command: "compact",
                exitCode,
                problems,
                ...(exitCode === ExitCode.Failure ? { error: problems[0] } : {}),
                data: { out: target.out, ...packing, environments: summaries },
            }, global);
        });
}
