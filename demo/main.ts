import { Command, InvalidArgumentError } from "commander";
import path from "node:path";
import { projectRoot } from "./project-root.js";
import { formatDemoSummary, runDemo } from "./run.js";

const positive = (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
    return n;
};

// `npm run demo`: the whole product on the embedded sample environments (README, Quickstart).
const program = new Command()
    .name("padlens-demo")
    .option("--out <dir>", "output folder", path.join(projectRoot(), "demo-output"))
    .option("--seed <n>", "sample data seed", positive, 42)
    .option("--days <n>", "days of run history", positive, 30)
    .option("--scale <x>", "multiplies the number of sample runs", positive, 1)
    .option("--no-screenshots", "write the preview HTML only")
    .option("--repackage", "package the visual even when dist/ is up to date", false)
    .option("--quiet", "no progress from the pull", false)
    .action(async (opts: { out: string; seed: number; days: number; scale: number; screenshots: boolean; repackage: boolean; quiet: boolean }) => {
        const started = Date.now();
        const result = await runDemo({ out: opts.out, seed: opts.seed, days: opts.days, scale: opts.scale, screenshots: opts.screenshots, reusePackage: !opts.repackage, quiet: opts.quiet });
        process.stdout.write(`${formatDemoSummary(result, process.cwd())}\n\npadlens demo finished in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
    });

try {
    await program.parseAsync(process.argv);
} catch (error) {
    process.stderr.write(`padlens demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
}
