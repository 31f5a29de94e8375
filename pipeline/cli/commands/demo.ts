import { InvalidArgumentError, type Command } from "commander";
import path from "node:path";
import { ExitCode, UserError } from "../exit-codes.js";

interface DemoCommandOptions {
    out?: string;
    seed: number;
    days: number;
    scale: number;
    screenshots: boolean;
    repackage: boolean;
}

const positive = (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
    return n;
};

/**
 * `padlens demo` (what `npm run demo` runs): the whole product on the simulator's sample environments.
 * It needs a repository checkout (it packages the visual from visual/), so the demo code is imported
 * lazily and production commands never load it or the simulator.
 */
export function registerDemo(program: Command): void {
    program
        .command("demo")
        .description("run the whole product on a local simulator: pull, build Parquet, package the visual, render a preview (needs a repository checkout)")
        .option("--seed <n>", "sample data seed", positive, 42)
        .option("--days <n>", "days of run history", positive, 30)
        .option("--scale <x>", "multiplies the number of sample runs", positive, 1)
        .option("--no-screenshots", "write the preview HTML only")
        .option("--repackage", "package the visual even when dist/ is up to date", false)
        .action(async (opts: DemoCommandOptions, command: Command) => {
            const global = command.optsWithGlobals<{ out?: string; quiet: boolean }>();
            // The installed package ships no demo (it packages the visual from its sources): say so, not a stack trace.
            const load = async <T>(load: () => Promise<T>): Promise<T> => load().catch((error: unknown) => {
                if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && /[\\/]demo[\\/](run|project-root)\.js'/.test((error as Error).message)) {
                    throw new UserError("demo: needs a repository checkout (git clone, npm ci, npm run demo); the installed package runs `padlens simulate` instead", ExitCode.Usage);
                }
                throw error;
            });
            const { runDemo, formatDemoSummary } = await load(() => import("../../../demo/run.js"));
            const { projectRoot } = await load(() => import("../../../demo/project-root.js"));
            const started = Date.now();
            const result = await runDemo({
                out: global.out ? path.resolve(global.out) : path.join(projectRoot(), "demo-output"),
                seed: opts.seed, days: opts.days, scale: opts.scale,
                screenshots: opts.screenshots, reusePackage: !opts.repackage, quiet: global.quiet,
            });
            process.stdout.write(`${formatDemoSummary(result, process.cwd())}\n\npadlens demo finished in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
        });
}
