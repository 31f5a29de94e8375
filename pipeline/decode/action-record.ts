/**
 * One action of one run, whatever log format it came from (docs/data-contract.md, `actions`). Times are
 * UTC epoch ms; null means the log does not say or the value could not be read (then `warning` says why).
 */
export interface ActionRecord {
    seq: number;
    parentSeq: number | null;
    depth: number;
    /** Other actions are its children (loops, subflow calls): its duration is theirs. */
    isContainer: boolean;
    actionIndex: number | null;
    subflow: string;
    actionName: string | null;
    /** `<module>.<action>` when the log names a module, else as logged. */
    systemActionName: string | null;
    module: string | null;
    startedOn: number | null;
    endedOn: number | null;
    durationMs: number | null;
    status: string | null;
    level: string | null;
    insideErrorHandling: boolean | null;
    errorCode: string | null;
    errorMessage: string | null;
    errorCorrelationId: string | null;
    /** `{name: value}` JSON, secrets redacted; only when inputs/outputs are enabled. */
    inputsJson: string | null;
    outputsJson: string | null;
    /** First problem reading this action's fields (the field is null); null when all read. */
    warning: string | null;
}

export type LogSource = "V1" | "V2";

export interface DecodeOptions {
    /** Keep inputs/outputs as `{name: value}` JSON (off by default: they can hold secrets). */
    includeInputsOutputs: boolean;
    /** Case-insensitive fragments of input/output names or variable names whose values become `***`. */
    redact: readonly string[];
    /** Ceiling on a log's decompressed size in bytes; larger logs are quarantined (a gzip bomb costs nothing). */
    maxLogBytes: number;
    /** Longest input/output value kept, in characters (default 4,096); longer ones are cut and their length said. */
    maxValueChars?: number;
    /** Logs from this many bytes on are parsed one action at a time (default 8 MB; tests set 0 to compare both paths). */
    streamAboveBytes?: number;
}

export const DEFAULT_MAX_VALUE_CHARS = 4096;

export const DEFAULT_REDACT = ["password", "secret", "token", "credential", "key"] as const;
/** Far above the largest real log (the V1 file column holds at most 32 MB before any compression). */
export const DEFAULT_MAX_LOG_BYTES = 512 * 1024 * 1024;

export const DEFAULT_DECODE_OPTIONS: DecodeOptions = { includeInputsOutputs: false, redact: DEFAULT_REDACT, maxLogBytes: DEFAULT_MAX_LOG_BYTES };

export type DecodeResult =
    | { ok: true; encoding: string; actions: ActionRecord[]; warnings: number; firstWarning: string | null }
    | { ok: false; encoding: string; reason: string };

/** A decode failure of the whole log with a one-line reason meant for the user; never escapes the decoder. */
export class QuarantineError extends Error {
    /** Encoding layers recognised before the failure, when known (e.g. "gzip" for a truncated gzip). */
    constructor(message: string, readonly encoding?: string) {
        super(message);
    }
}
