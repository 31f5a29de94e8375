import cliProgress from "cli-progress";
import type { EnvProgress } from "../pull/pull-environment.js";
import { scrub } from "../extract/secrets.js";

export interface ProgressDisplay {
    update(p: EnvProgress): void;
    message(line: string): void;
    stop(): void;
}

export function formatBytes(n: number): string {
    if (n < 1024) return `${n} B`;
    if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
    if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
    return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A bar per environment on a terminal; plain lines (start, end, warnings) otherwise or with --quiet. */
export function createProgressDisplay(stream: NodeJS.WriteStream, options: { quiet: boolean }): ProgressDisplay {
    if (stream.isTTY && !options.quiet) return new BarDisplay(stream);
    return new LineDisplay(stream, options.quiet);
}

class BarDisplay implements ProgressDisplay {
    private readonly multibar: cliProgress.MultiBar;
    private readonly bars = new Map<string, cliProgress.SingleBar>();

    constructor(stream: NodeJS.WriteStream) {
        this.multibar = new cliProgress.MultiBar({
            stream,
            clearOnComplete: false,
            hideCursor: true,
            barsize: 16,
            format: "{env} [{bar}] {value}/{total} runs | {logs} logs | {bytes} | {retries} retries | {throttled} 429 | {phase}",
        }, cliProgress.Presets.shades_classic);
    }

    update(p: EnvProgress): void {
        const payload = { env: p.env.padEnd(12), phase: p.phase.padEnd(9), logs: p.v1Files + p.v2Runs, bytes: formatBytes(p.bytes), retries: p.retries, throttled: p.throttled };
        let bar = this.bars.get(p.env);
        if (!bar) {
            bar = this.multibar.create(Math.max(1, p.runsListed), 0, payload);
            this.bars.set(p.env, bar);
        }
        bar.setTotal(Math.max(1, p.runsListed));
        bar.update(p.runsFetched + p.runsUnchanged, payload);
    }

    message(line: string): void {
        this.multibar.log(`${scrub(line)}\n`);
    }

    stop(): void {
        this.multibar.stop();
    }
}

class LineDisplay implements ProgressDisplay {
    private readonly phases = new Map<string, string>();

    constructor(private readonly stream: NodeJS.WriteStream, private readonly quiet: boolean) {}

    update(p: EnvProgress): void {
        if (this.phases.get(p.env) === p.phase) return;
        this.phases.set(p.env, p.phase);
        if (this.quiet) return;
        if (p.phase === "snapshots") this.stream.write(`${p.env}: pulling\n`);
        if (p.phase === "done" || p.phase === "failed") {
            this.stream.write(`${p.env}: ${p.phase}: ${p.runsListed} runs listed, ${p.runsFetched} fetched, ${p.v1Files + p.v2Runs} logs, ${formatBytes(p.bytes)}, ${p.retries} retries, ${p.throttled} throttled\n`);
        }
    }

    message(line: string): void {
        this.stream.write(`${scrub(line)}\n`);
    }

    stop(): void {}
}
