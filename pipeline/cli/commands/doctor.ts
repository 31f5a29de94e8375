import type { Command } from "commander";
import { loadConfig, type EnvironmentConfig, type PadlensConfig } from "../../config/config.js";
import { createTokenSource } from "../../extract/auth.js";
import { describeNetwork } from "../../extract/proxy.js";
import { DataverseClient, type Row } from "../../extract/dataverse-client.js";
import { scrub } from "../../extract/secrets.js";
import { logSettingsOf, ttlWarnings } from "../../pull/log-plan.js";
import { RawStore } from "../../store/raw-store.js";
import { parseGuid } from "../../util/ids.js";
import { configProblems } from "../config-problems.js";
import { ExitCode } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";
import { finish } from "../outcome.js";
import { terminal } from "../../ui/terminal.js";

export interface Check {
    env: string;
    check: string;
    ok: boolean;
    /** What was found, or exactly what to fix. */
    detail: string;
    /** Advice that does not make the check fail. */
    warning?: boolean;
}

const VERSION = ["V1 (file)", "V2 (flowlog)", "V1 and V2"];
const TURN_ON = "to change it: Power Platform admin center > the environment > Settings > Features > Desktop flow run action logs: Enabled";
/** What "on failure only" and "disabled" logging mean for the report, by organization.desktopflowrunactionlogsstatus. */
const LOG_STATUS_MEANING: Record<number, string> = {
    1: "only failed runs keep an action log, so the dashboards' action timelines, durations, heatmaps and bottlenecks cover failed runs only " +
        "(a slow action in runs that succeed never shows, and every action looks like it fails); successful runs still count in runs, with log_state 'disabled'; " + TURN_ON,
    2: "no run keeps an action log: runs, statuses, run durations and machines still reach the dashboards, but the actions table, timelines, heatmaps and bottlenecks stay empty " +
        "for this environment (runs.log_state 'disabled'); " + TURN_ON,
};
const STATUS = ["Enabled", "OnFailure (only failed runs keep a log)", "Disabled"];

/** Token, one read of each table (403s name the missing privilege), and the log settings of one environment. */
export async function diagnoseEnvironment(config: PadlensConfig, env: EnvironmentConfig, store: RawStore): Promise<Check[]> {
    const checks: Check[] = [];
    const add = (check: string, ok: boolean, detail: string, warning = false): void => {
        checks.push({ env: env.name, check, ok, detail: scrub(detail), warning });
    };
    // Which way sign-in and the Web API go (proxy or direct, and why): the first thing to know when nothing connects.
    add("network", true, describeNetwork(env, config.authorityHost));
    const tokens = createTokenSource(env, config.authorityHost);
    try {
        await tokens.getToken();
        add("token", true, `token for ${env.url}/.default`);
    } catch (error) {
        add("token", false, (error as Error).message);
        return checks;
    }
    const client = new DataverseClient({ env: env.name, url: env.url, tokens, maxConcurrency: 2, pageSize: 1, requestTimeoutMs: config.requestTimeoutSeconds * 1000, maxAttempts: 3, maxThrottles: 3 });
    const read = async (table: string, path: string): Promise<Row[] | undefined> => {
        try {
            const body = await client.getJson<{ value: Row[] }>(path, {}, table);
            add(`read ${table}`, true, "readable");
            return body.value;
        } catch (error) {
            add(`read ${table}`, false, (error as Error).message);
            return undefined;
        }
    };
    const org = await read("organization", "organizations?$top=1");
    await read("workflow", "workflows?$top=1&$select=workflowid&$filter=category eq 6");
    await read("flowmachine", "flowmachines?$top=1&$select=flowmachineid");
    await read("flowmachinegroup", "flowmachinegroups?$top=1&$select=flowmachinegroupid");
    const runs = await read("flowsession", "flowsessions?$top=1&$select=flowsessionid");
    const runId = parseGuid(runs?.[0]?.flowsessionid);
    if (runId) await read("flowlog", `flowsessions(${String(runId)})/flowsession_flowlog_parentobjectid?$top=1&$select=flowlogid`);
    if (org?.[0]) {
        const s = logSettingsOf(org[0]);
        const settings = `action logs ${STATUS[s.status] ?? s.status}, version ${VERSION[s.version] ?? s.version}, flowlog TTL ${s.ttlMinutes ? `${s.ttlMinutes} min` : "forever"}`;
        const meaning = LOG_STATUS_MEANING[s.status];
        // Not failures: an admin may have chosen these on purpose. But the dashboards look broken unless someone knows why.
        add("log settings", true, meaning ? `${settings}: ${meaning}` : settings, meaning !== undefined);
        const state = await store.readState(env.name);
        for (const w of ttlWarnings(env.name, s, config.scheduleMinutes, state.lastPullCompletedAt)) add("flowlog TTL", true, w, true);
    }
    return checks;
}

/** What the build keeps of action logs, so nobody turns inputs/outputs on without knowing what that stores. */
export function logsCheck(config: PadlensConfig): Check {
    const { logs } = config;
    if (!logs.includeInputsOutputs) {
        return { env: "-", check: "logs", ok: true, detail: "action inputs/outputs are not stored (logs.includeInputsOutputs is false): timings, statuses and errors only" };
    }
    return {
        env: "-", check: "logs", ok: true, warning: true,
        detail: `action inputs/outputs ARE stored in actions.inputs_json/outputs_json under ${config.out}, readable by anyone who can read that folder or the report: ` +
            `values whose name, variable or label contains ${logs.redact.length ? logs.redact.join(", ") : "(nothing: logs.redact is empty)"} become ***, every other value is kept as logged ` +
            "(file paths, URLs, e-mail addresses, customer data); extend logs.redact or turn it off if that is not wanted",
    };
}

/** `prod: read flowlog: ...`, or `config: ...` for checks of the whole config. */
function checkLine(c: Check): string {
    return `${c.env === "-" ? "" : `${c.env}: `}${c.check}: ${c.detail}`;
}

export function registerDoctor(program: Command): void {
    program
        .command("doctor")
        .description("check the config, sign-in, read permissions and log settings of every environment, and say what to fix")
        .option("--env <name...>", "only these environments")
        .action(async (opts: { env?: string[] }, command: Command) => {
            const global = globalOptions(command);
            // Every config problem at once, by environment name: fixing a config is one round trip, not one per key.
            const wrong = await configProblems(global.config);
            if (wrong.length) {
                const checks: Check[] = wrong.map((p) => ({ env: p.env, check: "config", ok: false, detail: p.detail }));
                const lines = checks.map(checkLine);
                if (!global.json) terminal.out(`${lines.map((l) => `FIX  ${l}`).join("\n")}\n${wrong.length} config problem(s) in ${global.config}: fix them, then run \`padlens doctor\` again\n`);
                finish({ command: "doctor", exitCode: ExitCode.Usage, error: `config: ${wrong.length} problem(s) in ${global.config}`, problems: lines, data: { ok: false, checks } }, global);
                return;
            }
            const config = await loadConfig(global.config, global.out);
            const store = new RawStore(config.out);
            const targets = opts.env?.length ? config.environments.filter((e) => opts.env!.includes(e.name)) : config.environments;
            const checks: Check[] = [{ env: "-", check: "config", ok: true, detail: `${global.config}: ${config.environments.length} environment(s), output ${config.out}` }, logsCheck(config)];
            for (const results of await Promise.all(targets.map((e) => diagnoseEnvironment(config, e, store)))) checks.push(...results);
            const failed = checks.filter((c) => !c.ok);
            if (!global.json) {
                for (const c of checks) terminal.out(`${c.ok ? (c.warning ? "WARN" : "ok  ") : "FIX "} ${checkLine(c)}\n`);
                terminal.out(failed.length ? `${failed.length} problem(s) to fix\n` : "everything looks right\n");
            }
            const exitCode = failed.length ? ExitCode.Failure : ExitCode.Ok;
            const problems = failed.map(checkLine);
            finish({ command: "doctor", exitCode, problems, ...(failed.length ? { error: `${failed.length} problem(s) to fix` } : {}), data: { ok: failed.length === 0, checks } }, global);
        });
}
