import { createHash } from "node:crypto";
import type { DataverseRow, SampleEnvironment } from "../sample/model.js";
import { stableGuid } from "./dataverse.js";

/**
 * The `workflowbinary` rows of an environment: a desktop flow run's inputs/outputs and its exception
 * screenshot live there, one row per file, pointing at the run through `_flowsessionid_value`. The sample
 * generator does not make them, so they are derived from the runs being served: every finished
 * cloud-started run has an inputs/outputs file, every failed run a screenshot. Derived, not stored, so
 * the cascade Dataverse applies when a flow session is deleted holds by construction: a run that is no
 * longer served has no binaries either.
 */
export interface WorkflowBinary {
    row: DataverseRow;
    size: number;
}

const FAILED = 8;

function sizeOf(seed: string, min: number, max: number): number {
    const n = createHash("sha256").update(seed).digest().readUInt32BE(0);
    return min + (n % (max - min));
}

export function binariesOfRun(run: DataverseRow): WorkflowBinary[] {
    const runId = String(run.flowsessionid ?? "").toLowerCase();
    if (!runId || run.completedon === null || run.completedon === undefined) return [];
    const made = (kind: string, name: string, mimetype: string, size: number): WorkflowBinary => ({
        size,
        row: {
            workflowbinaryid: stableGuid(`workflowbinary:${runId}:${kind}`), name, mimetype, data_name: name,
            _flowsessionid_value: runId, _processid_value: (run._regardingobjectid_value as string | null) ?? null,
            createdon: run.completedon as string, modifiedon: run.completedon as string,
        },
    });
    const files: WorkflowBinary[] = [];
    if (run.triggertype === 0) files.push(made("io", `${runId}_inputsoutputs.json`, "application/json", sizeOf(`io:${runId}`, 800, 24_000)));
    if (run.statuscode === FAILED) files.push(made("screenshot", `${runId}_screenshot.png`, "image/png", sizeOf(`png:${runId}`, 40_000, 400_000)));
    return files;
}

export function workflowBinaries(env: SampleEnvironment): WorkflowBinary[] {
    return env.flowsessions.flatMap(binariesOfRun);
}

/** The file's bytes: deterministic filler of the row's size (only its length matters to a client). */
export function binaryContent(binary: WorkflowBinary): Buffer {
    return Buffer.alloc(binary.size, binary.row.mimetype === "image/png" ? 0x89 : 0x7b);
}
