import type { Command } from "commander";

export interface GlobalOptions {
    config: string;
    out?: string;
    json: boolean;
    quiet: boolean;
}

/** Global flags of README "Using it for real", readable from any subcommand. */
export function globalOptions(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
}
