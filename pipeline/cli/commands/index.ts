import type { Command } from "commander";
import { registerSimulate } from "./simulate.js";

/** Every subcommand registers itself here; each lives in its own module. */
export function registerCommands(program: Command): void {
    registerSimulate(program);
}
