import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { formatInspect, inspectV1, inspectV2, type InspectReport } from "../../decode/inspect.js";
import { RawStore } from "../../store/raw-store.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";

async function outFolder(configFile: string, outFlag: string | undefined): Promise<string> {
    if (outFlag) return path.resolve(outFlag);
    const text = await readFile(configFile, "utf8").catch(() => null);
    const out = text ? ((JSON.parse(text.replace(/^\uFEFF/, "")) as { out?: string }).out ?? "data") : "data";
    return path.resolve(text ? path.dirname(path.resolve(configFile)) : ".", out);
}

/** A file is read as a V1 document; `<env>/<run-id>` looks the run up in the raw store and inspects every log it has. */
async function inspectTarget(target: string, configFile: string, outFlag: string | undefined): Promise<InspectReport[]> {
    const bytes = await readFile(target).catch(() => null);
    if (bytes) return [inspectV1(bytes)];
    const m = /^([^/\\]+)[/\\]([0-9a-fA-F-]{8,})$/.exec(target);
    if (!m) throw new UserError(`inspect: ${target} is neither a file nor <env>/<run-id>`, ExitCode.Usage);
    const [, env, runId] = m;
    const store = new RawStore(await outFolder(configFile, outFlag));
    const run = await store.readRun(env, runId.toLowerCase()) ?? await store.readRun(env, runId);
    if (!run) throw new UserError(`inspect: no run ${runId} in environment ${env} of ${path.join(store.root, "raw")}`, ExitCode.Usage);
    const reports: InspectReport[] = [];
    const id = String(run.row.flowsessionid ?? runId);
    const v1 = await store.readV1(env, id);
    if (v1) reports.push(inspectV1(v1));
    const v2raw = await readFile(store.v2Path(env, id)).catch(() => null);
    if (v2raw) {
        const rows = await store.readV2(env, id).catch(() => null);
        if (rows) reports.push(inspectV2(rows, v2raw.byteLength));
    }
    if (!reports.length) {
        throw new UserError(`inspect: run ${runId} has no stored log (V1 ${run.fetch.v1.state}, V2 ${run.fetch.v2.state})`, ExitCode.Failure);
    }
    return reports;
}

export function registerInspect(program: Command): void {
    program
        .command("inspect")
        .argument("<target>", "a log file, or <env>/<run-id> from the raw store")
        .description("show a log's detected encoding, shape, key names with counts and how each maps through the alias table")
        .action(async (target: string, _opts: unknown, command: Command) => {
            const global = globalOptions(command);
            const reports = await inspectTarget(target, global.config, global.out);
            process.stdout.write(global.json ? `${JSON.stringify(reports)}\n` : `${reports.map(formatInspect).join("\n\n")}\n`);
            process.exitCode = reports.every((r) => r.result.ok) ? ExitCode.Ok : ExitCode.Partial;
        });
}
