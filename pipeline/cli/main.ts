#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { scrub } from "../extract/secrets.js";
import { terminal } from "../ui/terminal.js";
import { ExitCode, statusOf, UserError } from "./exit-codes.js";
import { registerCommands } from "./commands/index.js";
import { logFileFromConfig } from "./log-file.js";
import { alreadyFinished, finish, setJsonMode } from "./outcome.js";
import { padlensVersion } from "./version.js";

const argv = process.argv.slice(2);

/**
 * The value of a global option, read before commander parses: the log file must be open before
 * anything can fail (a scheduled run with a typo in its arguments must still leave a line in its log),
 * and --json must be known when the failure is a parse error.
 */
function early(name: string): string | undefined {
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--") break;
        if (argv[i] === name) return argv[i + 1];
        if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
    }
    return undefined;
}
const json = argv.includes("--json");
setJsonMode(json);

const program = new Command()
    .name("padlens")
    .description("Action-level analytics for Power Automate desktop flows: Dataverse -> Parquet -> Power BI.")
    .version(padlensVersion(), "-V, --version", "print the padlens version")
    .option("--config <file>", "configuration file", "padlens.config.json")
    .option("--out <dir>", "output folder (overrides the config's \"out\")")
    .option("--json", "print one machine-readable JSON object on stdout (docs/cli.md)", false)
    .option("--quiet", "no progress display, only the summary and errors", false)
    .option("--log-file <file>", "append timestamped lines of what the terminal shows to this file (config key \"logFile\")")
    .showHelpAfterError()
    // Commander's own errors ("unknown option") reach the log file too, scrubbed like everything else.
    .configureOutput({ writeOut: (s) => terminal.out(s), writeErr: (s) => terminal.err(s) })
    .exitOverride();

registerCommands(program);

let command = argv.find((a) => program.commands.some((c) => c.name() === a)) ?? "padlens";

const logFile = early("--log-file") ?? logFileFromConfig(early("--config") ?? "padlens.config.json");
if (logFile) {
    try {
        terminal.openLog(logFile);
        terminal.log(`padlens ${padlensVersion()} ${argv.join(" ")} (pid ${process.pid})\n`);
    } catch (error) {
        // Before anything else ran: a scheduled task with an unwritable log would otherwise fail silently.
        const message = `--log-file: cannot append to ${logFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
        terminal.err(`padlens: ${message}\n`);
        finish({ command, exitCode: ExitCode.Usage, error: message });
        process.exit(ExitCode.Usage);
    }
}

program.hook("preAction", (_program, action) => {
    command = action.name();
});

try {
    await program.parseAsync(process.argv);
} catch (error) {
    if (error instanceof CommanderError) {
        // help and version are not runs: they print their text and exit 0. Every other parse problem is a usage error.
        if (error.exitCode === 0) process.exitCode = ExitCode.Ok;
        else finish({ command, exitCode: ExitCode.Usage, error: error.message.replace(/^error: /, "") });
    } else if (error instanceof UserError) {
        terminal.err(`padlens: ${error.message}\n`);
        if (!alreadyFinished()) finish({ command, exitCode: error.exitCode, error: error.message });
        else process.exitCode = error.exitCode;
    } else {
        // Not expected: the stack helps a bug report, and is scrubbed like everything else that leaves the process.
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        terminal.err(`padlens: unexpected error: ${scrub(detail)}\n`);
        const message = `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
        if (!alreadyFinished()) finish({ command, exitCode: ExitCode.Failure, error: message });
        else process.exitCode = ExitCode.Failure;
    }
}

if (terminal.logFile) {
    const code = Number(process.exitCode ?? 0) as ExitCode;
    terminal.log(`exit ${code} (${statusOf(code)})\n`);
    terminal.close();
}
