import type { Command } from "commander";
import { registerSimulate } from "./simulate.js";
import { registerPull } from "./pull.js";
import { registerDoctor } from "./doctor.js";
import { registerInit } from "./init.js";
import { registerBuild } from "./build.js";
import { registerInspect } from "./inspect.js";
import { registerDemo } from "./demo.js";
import { registerRetention } from "./retention.js";
import { registerCompact } from "./compact.js";

/** Every subcommand registers itself here; each lives in its own module. */
export function registerCommands(program: Command): void {
    registerSimulate(program);
    registerPull(program);
    registerDoctor(program);
    registerInit(program);
    registerBuild(program);
    registerInspect(program);
    registerDemo(program);
    registerRetention(program);
    registerCompact(program);
}
