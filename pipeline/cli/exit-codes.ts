/** Exit codes are part of the CLI contract (README, "Using it for real"): schedulers and CI act on them. */
export const ExitCode = {
    Ok: 0,
    Failure: 1,
    Usage: 2,
    /** Some runs were quarantined or an environment failed; the rest succeeded. */
    Partial: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is meant for the user as-is (one line, actionable), with the exit code to use. */
export class UserError extends Error {
    constructor(message: string, readonly exitCode: ExitCode = ExitCode.Failure) {
        super(message);
        this.name = "UserError";
    }
}
