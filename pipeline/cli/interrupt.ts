import { terminal } from "../ui/terminal.js";
import { ExitCode } from "./exit-codes.js";
import { finishAndSeal } from "./outcome.js";

/**
 * What a command registers while it runs, for Ctrl-C: how to stop its display (restores the cursor a
 * progress bar hid) and one line saying what is kept. Stopping at any moment is safe for the data:
 * the raw store writes each run logs-first and run-file-last, the watermark only moves past runs on
 * disk, and a build commits by rename with a journal that the next build finishes or rolls back. So a
 * clean stop is: restore the terminal, say what was kept, exit 130, without waiting for requests in flight.
 */
export interface InterruptScope {
    command: string;
    stop?: () => void;
    kept: () => string;
}

let stopping = false;

/**
 * Runs `run` with SIGINT/SIGTERM handled as above. The handlers exist only while it runs, so commands
 * with their own (simulate and demo stop the servers they started) keep them. A second Ctrl-C exits at once.
 */
export async function interruptible<T>(current: InterruptScope, run: () => Promise<T>): Promise<T> {
    const handle = (signal: "SIGINT" | "SIGTERM"): void => {
        const code = signal === "SIGINT" ? ExitCode.Interrupted : ExitCode.Terminated;
        if (stopping) process.exit(code);
        stopping = true;
        try {
            current.stop?.();
        } catch {
            // the display is best effort; the line below still tells the user where things stand
        }
        // Belt and braces: whatever drew on the terminal, the cursor comes back.
        if (process.stderr.isTTY) process.stderr.write("\x1b[?25h");
        const kept = current.kept();
        const line = `interrupted (${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"}): ${kept}`;
        terminal.err(`\npadlens: ${line}\n`);
        finishAndSeal({ command: current.command, exitCode: code, error: line });
        terminal.log(`exit ${code} (interrupted)\n`);
        void terminal.flush().then(() => {
            terminal.close();
            process.exit(code);
        });
    };
    const onInt = (): void => handle("SIGINT");
    const onTerm = (): void => handle("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    try {
        return await run();
    } finally {
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
    }
}
