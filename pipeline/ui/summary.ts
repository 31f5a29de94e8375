import type { PullSummary } from "../pull/pull.js";
import { formatBytes } from "./progress.js";

/** The table printed after a pull, then one line per failed environment. */
export function summaryTable(summary: PullSummary): string {
    const header = ["env", "status", "listed", "fetched", "unchanged", "V1 files", "V2 runs", "bytes", "requests", "retries", "429s", "watermark"];
    const rows = summary.environments.map((r) => [
        r.env, r.ok ? "ok" : "FAILED", r.runsListed, r.runsFetched, r.runsUnchanged, r.v1Files, r.v2Runs, formatBytes(r.bytes), r.requests, r.retries, r.throttled, r.watermark ?? "-",
    ].map(String));
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    const out = [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
    for (const r of summary.environments) {
        if (!r.ok) out.push(`failed: ${r.error}`);
        for (const w of r.warnings) out.push(`warning: ${w}`);
    }
    out.push(`${summary.environments.filter((r) => r.ok).length}/${summary.environments.length} environments pulled into ${summary.out} in ${(summary.durationMs / 1000).toFixed(1)} s`);
    return out.join("\n");
}
