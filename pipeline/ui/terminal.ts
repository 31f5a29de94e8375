import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import { scrub } from "../extract/secrets.js";

/** A terminal escape sequence (ESC [ ... letter); built from a string so the source holds no control character. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

/**
 * Everything the CLI shows goes through here, so that (1) every line is scrubbed of secrets and tokens
 * before it leaves the process, and (2) `--log-file` gets the same lines, timestamped, for unattended
 * runs (Task Scheduler, cron) where nobody sees the terminal.
 *
 * The log is written synchronously on purpose: a scheduled run can end in process.exit (Ctrl-C, a
 * fatal error) and a line that is still in an async queue then never reaches the file.
 */
export class Terminal {
    private fd: number | undefined;
    private file: string | undefined;
    /** What is written to the terminal's stdout/stderr (tests swap these; the CLI uses the process's). */
    constructor(
        private readonly stdout: NodeJS.WritableStream = process.stdout,
        private readonly stderr: NodeJS.WritableStream = process.stderr,
    ) {}

    /** Opens (appends to) the log file. Throws the fs error, which the caller turns into a usage error. */
    openLog(file: string): void {
        if (this.fd !== undefined) return;
        const absolute = path.resolve(file);
        mkdirSync(path.dirname(absolute), { recursive: true });
        // Owner-only where the platform has modes (POSIX); Windows ignores the mode and uses the folder's ACL.
        this.fd = openSync(absolute, "a", 0o600);
        this.file = absolute;
    }

    get logFile(): string | undefined {
        return this.file;
    }

    /** Text for stdout (summaries, --json). */
    out(text: string): void {
        const clean = scrub(text);
        this.stdout.write(clean);
        this.toLog(clean);
    }

    /** Text for stderr (progress lines, messages, errors). */
    err(text: string): void {
        const clean = scrub(text);
        this.stderr.write(clean);
        this.toLog(clean);
    }

    /** Text only for the log file: what a plain terminal would have shown where a TTY shows bars instead. */
    log(text: string): void {
        this.toLog(scrub(text));
    }

    /** Resolves once stdout and stderr have taken everything written so far (before process.exit). */
    flush(): Promise<void> {
        const drained = (s: NodeJS.WritableStream): Promise<void> => new Promise((resolve) => {
            // An empty write's callback runs after every earlier write has been handed to the OS.
            if (!s.write("", () => resolve())) s.once("drain", () => resolve());
        });
        return Promise.all([drained(this.stdout), drained(this.stderr)]).then(() => undefined);
    }

    close(): void {
        if (this.fd === undefined) return;
        try {
            closeSync(this.fd);
        } finally {
            this.fd = undefined;
        }
    }

    private toLog(text: string): void {
        if (this.fd === undefined || !text) return;
        const stamp = new Date().toISOString();
        // Escape sequences (a bar redrawing, the cursor) mean nothing in a file.
        const lines = text.replace(ANSI, "").split(/\r?\n/);
        if (lines[lines.length - 1] === "") lines.pop();
        const body = lines.map((l) => `${stamp} ${l}`).join("\n");
        if (!body) return;
        try {
            writeSync(this.fd, `${body}\n`);
        } catch {
            // A full disk or a removed share must not turn a good pull into a failed one; the terminal still has it.
        }
    }
}

/** The process's terminal: one per CLI process. */
export const terminal = new Terminal();
