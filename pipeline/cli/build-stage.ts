import path from "node:path";
import type { LockOptions } from "../build/build-lock.js";
import type { BuildProgress, BuildSummary } from "../build/run-build.js";
import type { DecodeOptions } from "../decode/action-record.js";
import { sqlPath } from "../load/duckdb.js";
import { ExitCode } from "./exit-codes.js";

/** A log in the quarantine table, as the summary lists it. */
export interface QuarantinedLog {
    env: string;
    runId: string;
    source: string;
    reason: string;
}

export interface QuarantineNews {
    /** Logs first quarantined by this build: these make the run `partial` (exit 3). */
    new: number;
    /** Logs quarantined by an earlier build and still undecodable: listed, not failed on. */
    earlier: number;
    /** The first MAX_LISTED new ones. */
    newLogs: QuarantinedLog[];
}

export interface BuildStageResult {
    summary: BuildSummary;
    quarantine: QuarantineNews;
    exitCode: ExitCode;
    problems: string[];
}

const MAX_LISTED = 20;

/**
 * Runs the build with its clock pinned to one instant, then tells new quarantines from old ones by the
 * quarantine table's first_seen (the build keeps an earlier build's first_seen for a log it quarantines
 * again, and stamps new ones with its clock). DuckDB is imported lazily: `pull --no-build` never loads it.
 */
export async function runBuildStage(options: {
    out: string;
    environmentUrls?: Record<string, string>;
    timeZones?: Record<string, string>;
    decode?: DecodeOptions;
    compression?: "zstd" | "snappy";
    onProgress?: (p: BuildProgress) => void;
    /** The output-folder lock (wait for a pull or build that holds it, or fail at once). */
    lock?: LockOptions;
}): Promise<BuildStageResult> {
    const { runBuild } = await import("../build/run-build.js");
    // Whole milliseconds: first_seen is stored at millisecond precision and compared for equality below.
    const stamp = new Date(Math.floor(Date.now()));
    const summary = await runBuild({ ...options, now: () => stamp });
    const quarantine = summary.quarantined > 0 ? await quarantineNews(summary.out, stamp, summary.quarantined) : { new: 0, earlier: 0, newLogs: [] };
    const problems = quarantine.newLogs.map((q) => `${q.env}: ${q.source} log of run ${q.runId} quarantined: ${q.reason}`);
    if (quarantine.new > quarantine.newLogs.length) problems.push(`and ${quarantine.new - quarantine.newLogs.length} more newly quarantined logs`);
    return { summary, quarantine, exitCode: quarantine.new > 0 ? ExitCode.Partial : ExitCode.Ok, problems };
}

async function quarantineNews(out: string, stamp: Date, total: number): Promise<QuarantineNews> {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const file = path.join(out, "quarantine", "data.parquet");
    const inst = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "256MB" });
    const con = await inst.connect();
    try {
        const r = await con.runAndReadAll(
            `SELECT env, run_id, log_source, reason FROM read_parquet(${sqlPath(file)}) WHERE epoch_ms(first_seen) = ${stamp.getTime()} ORDER BY env, run_id, log_source`,
        );
        const rows = r.getRows();
        return {
            new: rows.length,
            earlier: total - rows.length,
            newLogs: rows.slice(0, MAX_LISTED).map(([env, runId, source, reason]) => ({ env: String(env), runId: String(runId), source: String(source), reason: String(reason) })),
        };
    } catch {
        // The table was just written by this build; if it cannot be read, count every quarantine as new
        // rather than hide one (exit 3 is the safe side for a scheduler).
        return { new: total, earlier: 0, newLogs: [] };
    } finally {
        con.closeSync();
        inst.closeSync();
    }
}

export function formatBuildSummary(s: BuildSummary, q: QuarantineNews): string {
    const width = Math.max(16, ...s.environments.map((e) => e.env.length));
    const lines = s.environments.map((e) => `${e.env.padEnd(width)} ${String(e.runs).padStart(8)} runs ${String(e.actions).padStart(10)} actions ${String(e.quarantined).padStart(6)} quarantined ${String(e.runsWithWarnings).padStart(6)} runs with decode warnings`);
    lines.push(`${s.runs} runs, ${s.actions} actions, ${s.quarantined} quarantined -> ${s.out} in ${s.seconds.toFixed(1)} s (${s.actionsPerSecond} actions/s)`);
    if (s.quarantined) {
        const parts = [];
        if (q.new) parts.push(`${q.new} new in this build`);
        if (q.earlier) parts.push(`${q.earlier} quarantined by earlier builds (still undecodable; not counted as a failure)`);
        lines.push(`quarantined logs: ${parts.join(", ")}`);
        for (const l of q.newLogs) lines.push(`new quarantine: ${l.env}/${l.runId} ${l.source}: ${l.reason}`);
        if (q.new > q.newLogs.length) lines.push(`... and ${q.new - q.newLogs.length} more new`);
        lines.push(`see ${path.join(s.out, "quarantine")} and \`padlens inspect <env>/<run-id>\` for why`);
    }
    if (s.runsWithWarnings) lines.push(`${s.runsWithWarnings} runs kept every action but had fields that could not be read (null in the tables): see runs.decode_warning, or \`padlens inspect <env>/<run-id>\``);
    if (s.recoveredInterruptedCommit) lines.push("note: finished the commit of an earlier build that had been interrupted");
    return lines.join("\n");
}
