/** One action of one run, whatever log format it came from (design.md §2, §3 `actions`). Times are UTC epoch ms. */
export interface ActionRecord {
    seq: number;
    parentSeq: number | null;
    depth: number;
    actionIndex: number | null;
    subflow: string;
    actionName: string | null;
    systemActionName: string | null;
    startedOn: number;
    endedOn: number | null;
    durationMs: number | null;
    status: string | null;
    level: string | null;
    errorCode: string | null;
    errorMessage: string | null;
}

export type LogSource = "V1" | "V2";

export type DecodeResult =
    | { ok: true; encoding: string; actions: ActionRecord[] }
    | { ok: false; encoding: string; reason: string };

/** A decode failure with a one-line reason meant for the user; never escapes the decoder. */
export class QuarantineError extends Error {
    /** Encoding layers recognised before the failure, when known (e.g. "gzip" for a truncated gzip). */
    constructor(message: string, readonly encoding?: string) {
        super(message);
    }
}
