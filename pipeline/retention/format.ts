import { RUN_STATUS } from "../load/labels.js";
import type { EnvApply } from "./apply.js";
import type { EnvPlan, RetentionRequest } from "./plan.js";
import type { EnvStatus } from "./status.js";
import type { ServerJob } from "./server-jobs.js";

/** What the retention commands print on a terminal (--json prints the objects these are made from). */
const n = (value: number): string => value.toLocaleString("en-US");

export function bytes(value: number): string {
    if (value < 1024) return `${value} B`;
    const units = ["KB", "MB", "GB", "TB"];
    let v = value / 1024;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
    }
    return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

const plural = (count: number, one: string, many = `${one}s`): string => `${n(count)} ${count === 1 ? one : many}`;

export function describeRequest(request: RetentionRequest): string {
    const statuses = request.statuses.length ? `status ${request.statuses.map((s) => RUN_STATUS[s] ?? s).join(", ")}` : "any status";
    const flows = request.flows.length ? `flow ${request.flows.join(", ")}` : "any flow";
    return `runs created before ${request.cutoff} (older than ${request.olderThan}), ${statuses}, ${flows}`;
}

function jobLine(j: ServerJob): string {
    const counts = j.successCount !== null ? `, ${n(j.successCount)} deleted, ${n(j.failureCount ?? 0)} failed` : "";
    const recurring = j.recurring ? `, RECURRING ${j.recurrence ?? ""} next ${j.nextRun ?? "?"}` : "";
    return `${j.name || "(no name)"} [${j.jobId}] ${j.status}${counts}${recurring}${j.byPadlens ? " (padlens)" : ""}`;
}

export function formatPlan(plan: EnvPlan): string {
    const lines = [plan.env];
    if (!plan.ok) return `${plan.env}\n  failed: ${plan.error}\n`;
    const row = (label: string, value: string): void => {
        lines.push(`  ${label.padEnd(26)}${value}`);
    };
    row("matching in Dataverse", `${plural(plan.matching, "run")} (counted by Dataverse's filter)`);
    row("verified in the archive", `${n(plan.verified)}${plan.verifiedQuarantined ? ` (${n(plan.verifiedQuarantined)} only as raw bytes: logs that do not decode)` : ""}`);
    row("not verified", n(plan.blocked));
    for (const b of plan.blockers) lines.push(`    ${n(b.count).padStart(8)}  ${b.label}; e.g. ${b.sample.join(", ")}`);
    row("verified frontier", `${plan.frontier} (every matching run created before it is archived and verified)`);
    row("a purge would delete", plural(plan.deletable, "run"));
    const c = plan.capacity;
    if (c && plan.deletable > 0) {
        const wb = c.workflowBinaries;
        const wbFiles = !wb.visible ? "workflowbinary not visible" : wb.bytes === null ? `${plural(wb.rows, "workflowbinary file")}` : `${bytes(wb.bytes)} workflowbinary (${plural(wb.rows, "file")}, size measured on ${n(wb.sampled)})`;
        row("frees (estimate)", `file capacity: ${bytes(c.v1Bytes)} V1 logs + ${wbFiles}`);
        row("", `database capacity: ${plural(c.runs, "flowsession row")} (~${bytes(c.runRowBytes)})${wb.visible ? ` + ${plural(wb.rows, "workflowbinary row")}` : ""}`);
        if (c.flowlogRows > 0) row("", `not freed: ${plural(c.flowlogRows, "flowlog row")} (V2 logs expire after the TTL; not bulk-deletable)`);
    }
    row("V2 logs", plan.flowlog.note);
    if (plan.byFlow.length) {
        lines.push("  per flow");
        for (const f of plan.byFlow) {
            lines.push(`    ${(f.flowName ?? f.flowId ?? "(no flow)").slice(0, 40).padEnd(40)} ${n(f.matching).padStart(8)} matching ${n(f.verified).padStart(8)} verified ${n(f.deletable).padStart(8)} deletable ${bytes(f.v1Bytes).padStart(9)} V1 ${n(f.workflowBinaries).padStart(6)} binaries`);
        }
    }
    lines.push(`  bulk deletion jobs${plan.jobs.length ? "" : "        none"}`);
    for (const j of plan.jobs) lines.push(`    ${jobLine(j)}`);
    for (const note of plan.notes) lines.push(`  note: ${note}`);
    return `${lines.join("\n")}\n`;
}

/** The closing line: what a purge would free, and that it would be safe (the demo prints it too). */
export function planSummary(plans: EnvPlan[]): string {
    const ok = plans.filter((p) => p.ok);
    const runs = ok.reduce((s, p) => s + p.deletable, 0);
    const v1 = ok.reduce((s, p) => s + (p.capacity?.v1Bytes ?? 0), 0);
    const wb = ok.reduce((s, p) => s + (p.capacity?.workflowBinaries.bytes ?? 0), 0);
    const blocked = ok.reduce((s, p) => s + p.blocked, 0);
    const safe = `safe: it deletes only runs padlens has archived and verified${blocked ? `; ${plural(blocked, "matching run")} not verified yet ${blocked === 1 ? "stays" : "stay"} in Dataverse` : ""}`;
    return `retention: a purge would delete ${plural(runs, "run")} in ${plural(ok.length, "environment")}, freeing ~${bytes(v1 + wb)} of file capacity and ${plural(runs, "flowsession row")}; ${safe}. Nothing was changed.`;
}

export function formatApply(result: EnvApply): string {
    const lines = [formatPlan(result.plan).trimEnd()];
    for (const e of result.earlier) lines.push(`  earlier apply: ${e}`);
    if (result.request) {
        lines.push(result.outcome === "dry-run" ? "  BulkDelete request (NOT sent; add --yes to send it):" : "  BulkDelete request sent:");
        lines.push(`    ${result.request.method} ${result.request.url}`);
        lines.push(...JSON.stringify(result.request.body, null, 2).split("\n").map((l) => `    ${l}`));
    }
    lines.push(`  ${result.outcome}: ${result.message}`);
    return `${lines.join("\n")}\n`;
}

export function formatStatus(status: EnvStatus): string {
    const lines = [status.env];
    if (!status.ok) return `${status.env}\n  failed: ${status.error}\n`;
    if (status.jobs.length === 0) lines.push("  no job submitted by padlens retention");
    for (const j of status.jobs) {
        const counts = j.successCount !== null ? `: deleted ${n(j.successCount)} of ${n(j.expected)} expected, ${n(j.failureCount ?? 0)} failed` : ` (${n(j.expected)} runs expected)`;
        const marked = j.newlyRecordedDeleted !== null ? `; ${plural(j.newlyRecordedDeleted, "run")} now marked deleted_in_source_on` : "";
        lines.push(`  job ${j.jobId ?? "(none)"} ${j.jobName}, ${j.createdAt}, frontier ${j.frontier}: ${j.status}${counts}${marked}`);
        if (j.message && j.status !== "succeeded") lines.push(`    ${j.message}`);
    }
    if (status.otherJobs.length) {
        lines.push("  other bulk deletion jobs on flow sessions");
        for (const j of status.otherJobs) lines.push(`    ${jobLine(j)}`);
    }
    return `${lines.join("\n")}\n`;
}
