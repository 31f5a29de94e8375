#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { ExitCode, UserError } from "./exit-codes.js";
import { registerCommands } from "./commands/index.js";

const program = new Command()
    .name("padlens")
    .description("Action-level analytics for Power Automate desktop flows: Dataverse -> Parquet -> Power BI.")
    .option("--config <file>", "configuration file", "padlens.config.json")
    .option("--out <dir>", "output folder (overrides the config's \"out\")")
    .option("--json", "print a machine-readable summary on stdout", false)
    .option("--quiet", "no progress display, only the summary and errors", false)
    .showHelpAfterError()
    .exitOverride();

registerCommands(program);

try {
    await program.parseAsync(process.argv);
} catch (error) {
    if (error instanceof CommanderError) {
        // help and version are not failures; every other parse problem is a usage error.
        process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    } else if (error instanceof UserError) {
        process.stderr.write(`padlens: ${error.message}\n`);
        process.exitCode = error.exitCode;
    } else {
        process.stderr.write(`padlens: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exitCode = ExitCode.Failure;
    }
}
