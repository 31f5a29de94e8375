import type { Command } from "commander";
import path from "node:path";
import { loadConfig, type PadlensConfig } from "../../config/config.js";
import type { EnvApply } from "../../retention/apply.js";
import { readRetentionPolicy, removeRetentionPolicy, saveRetentionPolicy } from "../../retention/every-pull.js";
import { describeRequest, formatApply, formatPlan, formatStatus, planSummary } from "../../retention/format.js";
import { parseOlderThan } from "../../retention/older-than.js";
import type { EnvPlan, RetentionRequest } from "../../retention/plan.js";
import { runApply, runPlan, runStatus } from "../../retention/run.js";
import { parseStatuses, resolveFlows } from "../../retention/scope-options.js";
import { RawStore } from "../../store/raw-store.js";
import { terminal } from "../../ui/terminal.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";
import { interruptible } from "../interrupt.js";
import { finish } from "../outcome.js";

interface ScopeOptions {
    olderThan: string;
    status?: string[];
    flow?: string[];
    env?: string[];
}

interface ApplyOptions extends ScopeOptions {
    yes?: boolean;
    everyPull?: boolean;
}

function checkEnvs(config: PadlensConfig, names: string[] | undefined, configFile: string): void {
    const unknown = (names ?? []).filter((n) => !config.environments.some((e) => e.name === n));
    if (unknown.length) throw new UserError(`--env: no environment named ${unknown.join(", ")} in ${configFile} (have ${config.environments.map((e) => e.name).join(", ")})`, ExitCode.Usage);
}

/** The request from the command line; usage errors (exit 2) name what is wrong. */
async function requestOf(config: PadlensConfig, opts: ScopeOptions, configFile: string): Promise<RetentionRequest> {
    checkEnvs(config, opts.env, configFile);
    let cutoff: string;
    let statuses: number[];
    try {
        cutoff = parseOlderThan(opts.olderThan).cutoff;
        statuses = parseStatuses(opts.status ?? []);
    } catch (error) {
        throw new UserError((error as Error).message, ExitCode.Usage);
    }
    const flows = opts.flow ?? [];
    if (flows.length) {
        // A flow no environment knows is a typo, not an empty purge: say so rather than plan nothing.
        const store = new RawStore(config.out);
        const envs = opts.env?.length ? opts.env : config.environments.map((e) => e.name);
        const known = new Set<string>();
        for (const env of envs) {
            const r = resolveFlows(flows, await store.readSnapshot(env, "workflows"));
            for (const f of flows) if (!r.unknown.includes(f)) known.add(f);
        }
        const missing = flows.filter((f) => !known.has(f));
        if (missing.length) throw new UserError(`--flow: no flow named ${missing.join(", ")} in the archive of ${envs.join(", ")} (run padlens pull first, or give the flow's id)`, ExitCode.Usage);
    }
    return { olderThan: opts.olderThan, cutoff, statuses, flows };
}

const scope = (cmd: Command): Command =>
    cmd
        .requiredOption("--older-than <age>", "runs created before now minus this age (180d, 26w, 48h) or before a UTC date (2026-06-01)")
        .option("--status <names...>", "only runs with these statuses (Succeeded,Failed,Cancelled,... or codes)")
        .option("--flow <name-or-id...>", "only runs of these desktop flows")
        .option("--env <name...>", "only these environments");

/** 0 when every environment worked, 3 when some failed, 1 when all did. */
function envExit(failed: number, total: number, partial = false): ExitCode {
    if (failed > 0) return failed === total ? ExitCode.Failure : ExitCode.Partial;
    return partial ? ExitCode.Partial : ExitCode.Ok;
}

function printWarnings(lines: string[]): void {
    for (const w of lines) terminal.out(`warning: ${w}\n`);
}

export function registerRetention(program: Command): void {
    const retention = program
        .command("retention")
        .description("purge old desktop-flow runs from Dataverse, only once padlens has archived and verified them (plan | apply | status; docs/retention.md)");

    scope(retention.command("plan", { isDefault: true }))
        .description("read-only: count matching runs, verify each against the archive, compute the verified frontier and what a purge frees")
        .action(async (opts: ScopeOptions, command: Command) => {
            const global = globalOptions(command);
            const config = await loadConfig(global.config, global.out);
            const request = await requestOf(config, opts, global.config);
            const plans = await runPlan(config, request, { only: opts.env, log: (l) => terminal.err(`${l}\n`) });
            const failed = plans.filter((p) => !p.ok);
            if (!global.json) {
                terminal.out(`retention plan: ${describeRequest(request)}\n\n`);
                for (const p of plans) terminal.out(`${formatPlan(p)}\n`);
                printWarnings(plans.flatMap((p) => p.warnings));
                terminal.out(`${planSummary(plans)}\n`);
            }
            const exitCode = envExit(failed.length, plans.length);
            const problems = failed.map((p) => p.error ?? `${p.env}: failed`);
            finish({ command: "retention plan", exitCode, problems, ...(exitCode === ExitCode.Failure ? { error: problems[0] } : {}), data: { request, summary: planSummary(plans), environments: plans } }, global);
        });

    scope(retention.command("apply"))
        .description("submit one BulkDelete per environment that can only match verified runs (created before the verified frontier); without --yes, print it and change nothing")
        .option("--yes", "really submit the bulk deletion (irreversible)")
        .option("--every-pull", "with --yes: save these filters so every padlens pull ends with an apply bounded by its frontier")
        .option("--no-every-pull", "with --yes: stop applying after each pull")
        .action(async (opts: ApplyOptions, command: Command) => {
            const global = globalOptions(command);
            const config = await loadConfig(global.config, global.out);
            const request = await requestOf(config, opts, global.config);
            const yes = opts.yes === true;
            const results = await interruptible(
                { command: "retention apply", kept: () => `each environment's job record is in ${path.join(config.out, "raw", "<env>", "retention", "jobs")}; padlens retention status finds any job that was submitted, and the next apply never submits a second one meanwhile` },
                () => runApply(config, request, { only: opts.env, yes, log: (l) => terminal.err(`${l}\n`), onWait: (m) => terminal.err(`${m}\n`) }),
            );
            const policy = await everyPull(config, opts, request, yes);
            const failed = results.filter((r) => r.outcome === "plan-failed" || r.outcome === "refused");
            const unknown = results.some((r) => r.outcome === "unknown");
            if (!global.json) {
                terminal.out(`retention apply${yes ? "" : " (dry run: nothing is sent, nothing is written)"}: ${describeRequest(request)}\n\n`);
                for (const r of results) terminal.out(`${formatApply(r)}\n`);
                printWarnings(results.flatMap((r) => r.plan.warnings));
                if (policy) terminal.out(`${policy}\n`);
                if (yes && results.some((r) => r.outcome === "submitted")) terminal.out("follow the jobs with: padlens retention status\n");
            }
            const exitCode = envExit(failed.length, results.length, unknown);
            const problems = results.filter((r) => failed.includes(r) || r.outcome === "unknown").map((r) => r.message);
            finish({ command: "retention apply", exitCode, problems, ...(exitCode === ExitCode.Failure ? { error: problems[0] } : {}), data: { request, dryRun: !yes, everyPull: policy, environments: results.map(applyJson) } }, global);
        });

    retention
        .command("status")
        .description("follow the bulk deletion jobs padlens submitted (asyncoperation, bulkdeleteoperation), report partial failures, and list other jobs on flow sessions")
        .option("--env <name...>", "only these environments")
        .action(async (opts: { env?: string[] }, command: Command) => {
            const global = globalOptions(command);
            const config = await loadConfig(global.config, global.out);
            checkEnvs(config, opts.env, global.config);
            const statuses = await runStatus(config, { only: opts.env, log: (l) => terminal.err(`${l}\n`) });
            const policy = await readRetentionPolicy(config.out);
            const failed = statuses.filter((s) => !s.ok);
            const jobProblems = statuses.flatMap((s) => s.jobs.flatMap((j) => (j.problem ? [j.problem] : [])));
            if (!global.json) {
                for (const s of statuses) terminal.out(`${formatStatus(s)}\n`);
                printWarnings(statuses.flatMap((s) => s.warnings));
                terminal.out(policy ? `every pull applies: older than ${policy.olderThan} (saved ${policy.savedAt})\n` : "no --every-pull policy saved\n");
                for (const p of jobProblems) terminal.out(`failed: ${p}\n`);
            }
            const exitCode = envExit(failed.length, statuses.length, jobProblems.length > 0);
            const problems = [...failed.map((s) => s.error ?? `${s.env}: failed`), ...jobProblems];
            finish({ command: "retention status", exitCode, problems, ...(exitCode === ExitCode.Failure ? { error: problems[0] } : {}), data: { everyPull: policy, environments: statuses } }, global);
        });
}

/** The apply object in --json: the request sent and the outcome, with the plan it came from. */
function applyJson(r: EnvApply): Record<string, unknown> {
    return { env: r.env, outcome: r.outcome, message: r.message, jobId: r.jobId ?? null, request: r.request ?? null, earlier: r.earlier, plan: r.plan satisfies EnvPlan };
}

/** --every-pull / --no-every-pull: saved or removed only with --yes (a dry run writes nothing). */
async function everyPull(config: PadlensConfig, opts: ApplyOptions, request: RetentionRequest, yes: boolean): Promise<string | null> {
    if (opts.everyPull === undefined) return null;
    if (!yes) return opts.everyPull ? "--every-pull: would save these filters for every pull (add --yes)" : "--no-every-pull: would stop applying after each pull (add --yes)";
    if (!opts.everyPull) {
        await removeRetentionPolicy(config.out);
        return "every-pull retention stopped: pull no longer ends with an apply";
    }
    await saveRetentionPolicy(config.out, { schemaVersion: 1, olderThan: request.olderThan, statuses: request.statuses, flows: request.flows, envs: opts.env ?? [], savedAt: new Date().toISOString() });
    return `every pull now ends with: padlens retention apply --older-than ${request.olderThan} --yes (bounded by that pull's verified frontier)`;
}
