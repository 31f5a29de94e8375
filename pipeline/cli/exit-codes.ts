/**
 * Exit codes are part of the CLI contract (docs/cli.md): schedulers and CI act on them, so each one
 * means one thing. 3 is only for problems that are new in this run: a log quarantined by an earlier
 * build is listed again, but does not fail every later run.
 */
export const ExitCode = {
    Ok: 0,
    Failure: 1,
    Usage: 2,
    /** Something new went wrong in this run (an environment failed, runs were skipped, logs newly quarantined); the rest succeeded. */
    Partial: 3,
    /** Ctrl-C (SIGINT): 128 + 2, what shells report for a process stopped by SIGINT. */
    Interrupted: 130,
    /** SIGTERM (a service manager or `kill`): 128 + 15. */
    Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The `status` of every --json object (docs/schemas/padlens-output.schema.json). */
export type Status = "ok" | "partial" | "failed" | "usage" | "interrupted";

export function statusOf(code: ExitCode): Status {
    switch (code) {
        case ExitCode.Ok: return "ok";
        case ExitCode.Partial: return "partial";
        case ExitCode.Usage: return "usage";
        case ExitCode.Interrupted:
        case ExitCode.Terminated: return "interrupted";
        default: return "failed";
    }
}

/** The worse of two exit codes, for a command made of stages (pull, then build). */
export function worst(a: ExitCode, b: ExitCode): ExitCode {
    const rank = (c: ExitCode): number => (c === ExitCode.Ok ? 0 : c === ExitCode.Partial ? 1 : c === ExitCode.Failure ? 2 : 3);
    return rank(b) > rank(a) ? b : a;
}

/** An error whose message is meant for the user as-is (one line, actionable), with the exit code to use. */
export class UserError extends Error {
    constructor(message: string, readonly exitCode: ExitCode = ExitCode.Failure) {
        super(message);
        this.name = "UserError";
    }
}
