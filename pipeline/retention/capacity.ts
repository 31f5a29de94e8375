import type { DataverseClient } from "../extract/dataverse-client.js";
import { keyed } from "../extract/dataverse-client.js";
import { parseGuid } from "../util/ids.js";
import type { ArchiveVerdict } from "./archive-status.js";
import type { Candidate } from "./frontier.js";

/** What a purge of the deletable runs frees, as far as padlens can see it (estimates: docs/retention.md#capacity). */
export interface CapacityEstimate {
    /** Database capacity: flowsession rows. */
    runs: number;
    /** Database capacity: the size of those rows as the Web API served them (an estimate of what they take in SQL). */
    runRowBytes: number;
    /** File capacity: the V1 action logs (additionalcontext files), exact sizes from the pull. */
    v1Bytes: number;
    /** V2 flowlog rows of these runs: a purge does not delete them (flowlog is not bulk-deletable; rows expire after the TTL). */
    flowlogRows: number;
    workflowBinaries: BinaryEstimate;
}

export interface BinaryEstimate {
    /** False when the app user cannot read workflowbinary (then the counts are 0 and `note` says why). */
    visible: boolean;
    /** Database capacity: workflowbinary rows (inputs/outputs, screenshots) deleted with the runs (cascade). */
    rows: number;
    /** File capacity of their files: measured on `sampled` of them and scaled; null when none were measured. */
    bytes: number | null;
    sampled: number;
    note?: string;
}

export interface FlowCapacity {
    runs: number;
    v1Bytes: number;
    workflowBinaries: number;
}

/** Files whose size is asked for (one range request each); the rest are estimated from their average. */
const SIZE_SAMPLE = 50;
const HOUR = 3_600_000;

export async function estimateCapacity(
    client: DataverseClient, deletable: readonly Candidate[], verdicts: ReadonlyMap<string, ArchiveVerdict>,
): Promise<{ total: CapacityEstimate; byFlow: Map<string, FlowCapacity> }> {
    const byFlow = new Map<string, FlowCapacity>();
    const total: CapacityEstimate = { runs: 0, runRowBytes: 0, v1Bytes: 0, flowlogRows: 0, workflowBinaries: { visible: true, rows: 0, bytes: null, sampled: 0 } };
    const flowOf = new Map<string, string>();
    let latestEnd = Number.NEGATIVE_INFINITY;
    for (const c of deletable) {
        const v = verdicts.get(c.runId);
        if (!v?.verified) continue;
        const flow = c.flowId ?? "(none)";
        flowOf.set(c.runId, flow);
        const f = byFlow.get(flow) ?? { runs: 0, v1Bytes: 0, workflowBinaries: 0 };
        f.runs++;
        f.v1Bytes += v.v1Bytes;
        byFlow.set(flow, f);
        total.runs++;
        total.v1Bytes += v.v1Bytes;
        total.flowlogRows += v.v2Rows;
        total.runRowBytes += Buffer.byteLength(JSON.stringify(v.stored.row));
        const end = Date.parse(String(v.stored.row.completedon ?? v.stored.row.modifiedon));
        if (Number.isFinite(end)) latestEnd = Math.max(latestEnd, end);
    }
    if (deletable.length === 0) return { total, byFlow };
    total.workflowBinaries = await estimateBinaries(client, deletable[0].createdOn, latestEnd, flowOf, byFlow);
    return { total, byFlow };
}

/**
 * workflowbinary rows are written when a run ends, so the runs' binaries are the ones created between the
 * first run's createdon and the last run's end (an hour of slack): one listing, joined on the run id.
 */
async function estimateBinaries(client: DataverseClient, from: string, latestEnd: number, flowOf: Map<string, string>, byFlow: Map<string, FlowCapacity>): Promise<BinaryEstimate> {
    const to = new Date((Number.isFinite(latestEnd) ? latestEnd : Date.parse(from)) + HOUR).toISOString();
    let rows;
    try {
        rows = await client.all(
            `workflowbinaries?$select=workflowbinaryid,_flowsessionid_value&$filter=_flowsessionid_value ne null and createdon ge ${new Date(from).toISOString()} and createdon le ${to}`,
            {}, "workflowbinaries",
        );
    } catch (error) {
        return { visible: false, rows: 0, bytes: null, sampled: 0, note: `workflowbinary not visible: ${(error as Error).message}` };
    }
    const ours = rows.filter((r) => flowOf.has(String(r._flowsessionid_value ?? "").toLowerCase()));
    for (const r of ours) {
        const flow = flowOf.get(String(r._flowsessionid_value).toLowerCase())!;
        byFlow.get(flow)!.workflowBinaries++;
    }
    let measured = 0;
    let sampled = 0;
    for (const r of ours.slice(0, SIZE_SAMPLE)) {
        const id = parseGuid(r.workflowbinaryid);
        if (!id) continue;
        const size = await fileSize(client, `${keyed("workflowbinaries", id)}/data/$value`).catch(() => null);
        if (size === null) continue;
        measured += size;
        sampled++;
    }
    return { visible: true, rows: ours.length, bytes: sampled ? Math.round((measured / sampled) * ours.length) : null, sampled };
}

/** A file column's size from a one-byte range request (Content-Range carries the total), without downloading it. */
async function fileSize(client: DataverseClient, path: string): Promise<number | null> {
    const r = await client.get(path, { range: "bytes=0-0" }, "a workflowbinary file's size");
    if (r.status === 404 || r.status === 204) return 0;
    const range = /\/(\d+)\s*$/.exec(r.headers.get("content-range") ?? "");
    if (range) return Number(range[1]);
    const declared = r.headers.get("x-ms-file-size");
    return declared ? Number(declared) : r.status === 200 ? r.body.length : null;
}
