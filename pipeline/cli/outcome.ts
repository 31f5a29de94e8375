import { scrub } from "../extract/secrets.js";
import { terminal } from "../ui/terminal.js";
import { statusOf, type ExitCode, type Status } from "./exit-codes.js";
import { padlensVersion } from "./version.js";

/**
 * How a command ended. Every command finishes through `finish()`, and main.ts through `fail()` on an
 * error, so that a run with --json prints exactly one object on stdout whatever happened (the shape is
 * docs/schemas/padlens-output.schema.json), and the exit code and `status` can never disagree.
 */
export interface Outcome {
    command: string;
    exitCode: ExitCode;
    /** One line: why the command failed or could not run. */
    error?: string;
    /** One line each: what went wrong in this run without stopping it (what made it `partial`). */
    problems?: string[];
    /** The command's own summary, merged into the JSON object. */
    data?: Record<string, unknown>;
}

export interface JsonOutput {
    status: Status;
    exitCode: number;
    command: string;
    version: string;
    error?: string;
    problems: string[];
    [key: string]: unknown;
}

let json = false;
let emitted = false;
let sealed = false;

export function setJsonMode(on: boolean): void {
    json = on;
}

export function jsonMode(): boolean {
    return json;
}

export function toJson(outcome: Outcome): JsonOutput {
    return {
        status: statusOf(outcome.exitCode),
        exitCode: outcome.exitCode,
        command: outcome.command,
        version: padlensVersion(),
        ...(outcome.error === undefined ? {} : { error: scrub(outcome.error) }),
        problems: (outcome.problems ?? []).map(scrub),
        ...outcome.data,
    };
}

/**
 * Sets the exit code and, with --json (main.ts's flag, or `options.json` for a command run in-process),
 * prints the object. After `seal()` (Ctrl-C has printed its own and the process is exiting) it does nothing.
 */
export function finish(outcome: Outcome, options: { json?: boolean } = {}): void {
    if (sealed) return;
    process.exitCode = outcome.exitCode;
    if (!(options.json ?? json)) return;
    emitted = true;
    terminal.out(`${JSON.stringify(toJson(outcome))}\n`);
}

/** The last word: prints this outcome and ignores every later finish() (the interrupt handler's exit). */
export function finishAndSeal(outcome: Outcome): void {
    if (sealed) return;
    finish(outcome);
    sealed = true;
}

/** True once a command has printed its --json object (main.ts must then not print another). */
export function alreadyFinished(): boolean {
    return emitted;
}
