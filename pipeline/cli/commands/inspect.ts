import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { formatInspect, inspectV1, inspectV2, type InspectReport } from "../../decode/inspect.js";
import { RawStore, storedV2Rows } from "../../store/raw-store.js";
import { unpackStored } from "../../decode/stored.js";
import { buildTarget } from "../build-target.js";
import { DEFAULT_DECODE_OPTIONS, type DecodeOptions } from "../../decode/action-record.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";
import { finish } from "../outcome.js";
import { terminal } from "../../ui/terminal.js";

/**
 * Output folder and decode options exactly as `padlens build` resolves them (buildTarget: the config without
 * its credentials, so an unset env:VAR secret does not cost the config's `logs` settings). With no usable
 * config, the defaults, and the config's "out" when its JSON at least says one.
 */
async function targetOf(configFile: string, outFlag: string | undefined): Promise<{ out: string; decode: DecodeOptions }> {
    const target = await buildTarget(configFile, outFlag).catch(() => null);
    if (target) return { out: target.out, decode: target.decode ?? DEFAULT_DECODE_OPTIONS };
    if (outFlag) return { out: path.resolve(outFlag), decode: DEFAULT_DECODE_OPTIONS };
    const text = await readFile(configFile, "utf8").catch(() => null);
    if (!text) return { out: path.resolve("data"), decode: DEFAULT_DECODE_OPTIONS };
    const raw = (() => { try { return JSON.parse(text.replace(/^\uFEFF/, "")) as { out?: unknown }; } catch { return {}; } })();
    return { out: path.resolve(path.dirname(path.resolve(configFile)), typeof raw.out === "string" ? raw.out : "data"), decode: DEFAULT_DECODE_OPTIONS };
}

/** A file is read as a V1 document; `<env>/<run-id>` looks the run up in the raw store and inspects every log it has. */
async function inspectTarget(target: string, configFile: string, outFlag: string | undefined): Promise<InspectReport[]> {
    const { out, decode } = await targetOf(configFile, outFlag);
    const bytes = await readFile(target).catch(() => null);
    if (bytes) return [inspectV1(bytes, decode)];
    const m = /^([^/\\]+)[/\\]([0-9a-fA-F-]{8,})$/.exec(target);
    if (!m) throw new UserError(`inspect: ${target} is neither a file nor <env>/<run-id>`, ExitCode.Usage);
    const [, env, runId] = m;
    const store = new RawStore(out);
    const run = await store.readRun(env, runId.toLowerCase());
    if (!run) throw new UserError(`inspect: no run ${runId} in environment ${env} of ${path.join(store.root, "raw")}`, ExitCode.Usage);
    const reports: InspectReport[] = [];
    const id = String(run.row.flowsessionid ?? runId);
    // The logs as stored, wherever the run is (its loose files or a pack).
    const { v1Gz: v1gz, v2Gz: v2raw } = await store.readLogsGz(env, id);
    if (v1gz) {
        const v1 = unpackStored(v1gz, decode.maxLogBytes);
        reports.push(v1.ok ? inspectV1(v1.bytes, decode) : unreadable("V1", v1gz.byteLength, v1.reason));
    }
    if (v2raw) {
        const v2 = unpackStored(v2raw, decode.maxLogBytes);
        let rows: unknown[] | null = null;
        let reason = v2.ok ? "" : v2.reason;
        try {
            if (v2.ok) rows = storedV2Rows(v2.bytes);
        } catch (e) {
            reason = `unreadable flowlog rows: ${(e as Error).message}`;
        }
        reports.push(rows ? inspectV2(rows, v2raw.byteLength, decode) : unreadable("V2", v2raw.byteLength, reason));
    }
    if (!reports.length) {
        throw new UserError(`inspect: run ${runId} has no stored log (V1 ${run.fetch.v1.state}, V2 ${run.fetch.v2.state})`, ExitCode.Failure);
    }
    return reports;
}

/** A stored log the build could not even unpack: it would be quarantined with this reason. */
function unreadable(source: "V1" | "V2", bytes: number, reason: string): InspectReport {
    return { source, bytes, encoding: "gzip (raw store)", shape: "unknown", actionListKey: null, rootKeys: [], keys: [], result: { ok: false, reason } };
}

export function registerInspect(program: Command): void {
    program
        .command("inspect")
        .argument("<target>", "a log file, or <env>/<run-id> from the raw store")
        .description("show a log's detected encoding, shape, key names with counts and how each maps through the alias table")
        .action(async (target: string, _opts: unknown, command: Command) => {
            const global = globalOptions(command);
            const reports = await inspectTarget(target, global.config, global.out);
            if (!global.json) terminal.out(`${reports.map(formatInspect).join("\n\n")}\n`);
            const undecodable = reports.filter((r) => !r.result.ok);
            // 3: a log the build would quarantine (inspect is run to find out why, so that is the expected answer, not a failure).
            finish({
                command: "inspect",
                exitCode: undecodable.length ? ExitCode.Partial : ExitCode.Ok,
                problems: undecodable.map((r) => `${r.source}: ${r.result.ok ? "" : r.result.reason}`),
                data: { reports },
            }, global);
        });
}
