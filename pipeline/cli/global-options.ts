import type { Command } from "commander";

export interface GlobalOptions {
    config: string;
    out?: string;
    json: boolean;
    quiet: boolean;
    /** Opened by main.ts before parsing (see there); commands only read it. */
    logFile?: string;
}

/** Global flags (docs/cli.md), readable from any subcommand. */
export function globalOptions(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
}
