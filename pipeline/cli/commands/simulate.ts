import type { Command } from "commander";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ExitCode, UserError } from "../exit-codes.js";

interface SimulateOptions {
    port: string;
    seed: string;
    envs?: string;
    days?: string;
    scale?: string;
    faults: string;
    tokenLifetime: string;
    caDir?: string;
    manifest?: string;
    writeConfig?: string;
}

/**
 * `padlens simulate`: serves the local Dataverse + Entra ID simulator (docs/simulator.md) until
 * SIGINT/SIGTERM and prints one JSON line saying where. The simulator is imported lazily so the
 * production commands never load it.
 */
export function registerSimulate(program: Command): void {
    program
        .command("simulate")
        .description("serve a local Dataverse + Entra ID simulator with sample environments (for the demo and tests)")
        .option("--port <n>", "port to listen on (0 = any free port)", "0")
        .option("--seed <n>", "seed of the sample data and the fault decisions", "1")
        .option("--envs <n>", "number of sample environments (default 3)")
        .option("--days <n>", "days of run history (default 30)")
        .option("--scale <x>", "multiplies the number of runs (default 1)")
        .option("--faults <profile>", "none | flaky | resets | truncated | slow | storm429 | chaos | bulkdelete-partial", "none")
        .option("--token-lifetime <seconds>", "lifetime of issued access tokens", "3600")
        .option("--ca-dir <dir>", "where the simulator's CA is kept (reused when present; default ~/.padlens/simulator-ca)")
        .option("--manifest <file>", "where to write the sample manifest (default: a temporary folder)")
        .option("--write-config <file>", "also write a ready padlens config for the simulated environments")
        .action(async (opts: SimulateOptions) => {
            const number = (name: string, value: string | undefined, integer = true): number | undefined => {
                if (value === undefined) return undefined;
                const n = Number(value);
                if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
                    throw new UserError(`simulate: --${name} must be a ${integer ? "non-negative integer" : "non-negative number"}, got '${value}'`, ExitCode.Usage);
                }
                return n;
            };
            const { startSimulator, FAULT_PROFILES } = await import("../../../simulator/server/index.js");
            if (!(FAULT_PROFILES as string[]).includes(opts.faults)) {
                throw new UserError(`simulate: --faults must be one of ${FAULT_PROFILES.join(", ")}, got '${opts.faults}'`, ExitCode.Usage);
            }
            const sim = await startSimulator({
                port: number("port", opts.port),
                seed: number("seed", opts.seed),
                envs: number("envs", opts.envs),
                days: number("days", opts.days),
                scale: number("scale", opts.scale, false),
                faults: opts.faults as (typeof FAULT_PROFILES)[number],
                tokenLifetimeSeconds: number("token-lifetime", opts.tokenLifetime),
                caDir: opts.caDir ? path.resolve(opts.caDir) : undefined,
                manifestFile: opts.manifest ? path.resolve(opts.manifest) : undefined,
            }).catch((error: unknown) => {
                if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
                    throw new UserError(`simulate: port ${opts.port} is already in use; pick another with --port or use --port 0`);
                }
                throw error;
            });
            if (opts.writeConfig) {
                const config = {
                    out: "data",
                    authorityHost: sim.authorityHost,
                    environments: sim.environments.map((e) => ({ name: e.name, url: e.url, tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret })),
                };
                const file = path.resolve(opts.writeConfig);
                mkdirSync(path.dirname(file), { recursive: true });
                // Owner-only: it holds the simulated clients' secrets inline.
                writeFileSync(file, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
                chmodSync(file, 0o600); // the mode above applies only when the file is new
            }
            process.stdout.write(JSON.stringify({
                authorityHost: sim.authorityHost,
                caFile: sim.caFile,
                environments: sim.environments.map((e) => ({ name: e.name, url: e.url, tenantId: e.tenantId, clientId: e.clientId })),
                manifest: sim.manifest,
            }) + "\n");
            await new Promise<void>((resolve) => {
                const stop = (): void => {
                    process.off("SIGINT", stop);
                    process.off("SIGTERM", stop);
                    void sim.close().then(resolve);
                };
                process.on("SIGINT", stop);
                process.on("SIGTERM", stop);
            });
        });
}
