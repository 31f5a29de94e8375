import path from "node:path";
import type { LockOptions } from "../builder/build-lock.js";
import type { BuildProgress, BuildSummary, NewQuarantine } from "../builder/run-build.js";
import type { DecodeOptions } from "../decode/action-record.js";
import { ExitCode } from "./exit-codes.js";

/** A log in the quarantine table, as the summary lists it. */
export type QuarantinedLog = NewQuarantine;

export interface QuarantineNews {
    /** Logs first quarantined by this build: these make the run `partial` (exit 3). */
    new: number;
    /** Logs quarantined by an earlier build and still undecodable: listed, not failed on. */
    earlier: number;
    /** The first MAX_LISTED new ones. */
    newLogs: QuarantinedLog[];
}

/** The build's summary as printed and in --json (which logs are new is in `quarantine`). */
export type StageSummary = Omit<BuildSummary, "newQuarantines">;

export interface BuildStageResult {
    summary: StageSummary;
    quarantine: QuarantineNews;
    exitCode: ExitCode;
    problems: string[];
}

const MAX_LISTED = 20;

/**
 * Runs the build and tells new quarantines from those an earlier build already found (the build compares
 * with the previous quarantine table). The build is imported lazily: `pull --no-build` never loads DuckDB.
 */
export async function runBuildStage(options: {
    out: string;
    environmentUrls?: Record<string, string>;
    timeZones?: Record<string, string>;
    decode?: DecodeOptions;
    compression?: "zstd" | "snappy";
    onProgress?: (p: BuildProgress) => void;
    /** The environment locks (wait for a pull or build that holds one, or fail at once). */
    lock?: LockOptions;
    /** Only these environments (default: every environment in the raw store). */
    envs?: string[];
    /** Rewrite every day of runs, not only the changed ones. */
    full?: boolean;
}): Promise<BuildStageResult> {
    const { runBuild } = await import("../builder/run-build.js");
    // The build knows which quarantines are new (not in the previous table); the summary printed and the
    // --json keep their shape, and list the first few.
    const { newQuarantines, ...summary } = await runBuild(options);
    const quarantine: QuarantineNews = {
        new: newQuarantines.length,
        earlier: summary.quarantined - newQuarantines.length,
        newLogs: newQuarantines.slice(0, MAX_LISTED),
    };
    const problems = quarantine.newLogs.map((q) => `${q.env}: ${q.source} log of run ${q.runId} quarantined: ${q.reason}`);
    if (quarantine.new > quarantine.newLogs.length) problems.push(`and ${quarantine.new - quarantine.newLogs.length} more newly quarantined logs`);
    return { summary, quarantine, exitCode: quarantine.new > 0 ? ExitCode.Partial : ExitCode.Ok, problems };
}

export function formatBuildSummary(s: StageSummary, q: QuarantineNews): string {
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
    const rewritten = s.environments.reduce((n, e) => n + e.unitsRewritten, 0);
    const copied = s.environments.reduce((n, e) => n + e.runsCopied, 0);
    lines.push(rewritten === 0
        ? "nothing changed since the last build: no table rewritten"
        : `rewrote ${rewritten} of ${s.environments.reduce((n, e) => n + e.units, 0)} days of runs (${s.environments.reduce((n, e) => n + e.runsDecoded, 0)} runs decoded${copied ? `, ${copied} unchanged runs copied` : ""}), kept the others as they were`);
    return lines.join("\n");
}
