import type { Command } from "commander";
import { UserError } from "../exit-codes.js";

// Placeholder: the simulator's server replaces this with the real command (design.md §4).
export function registerSimulate(program: Command): void {
    program
        .command("simulate")
        .description("serve a local Dataverse + Entra ID simulator with sample environments (for the demo and tests)")
        .action(() => {
            throw new UserError("simulate: not available yet");
        });
}
