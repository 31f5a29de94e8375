import cliProgress from "cli-progress";
import type { BuildProgress } from "../builder/run-build.js";
import type { EnvProgress } from "../pull/pull-environment.js";
import { scrub } from "../extract/secrets.js";
import { terminal as processTerminal, type Terminal } from "./terminal.js";

export interface ProgressDisplay {
    update(p: EnvProgress): void;
    message(line: string): void;
    stop(): void;
    /** Runs fetched (stored) by this pull so far, over all environments: what Ctrl-C keeps. */
    readonly runsFetched: number;
}

export function formatBytes(n: number): string {
    if (n < 1024) return `${n} B`;
    if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
    if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
    return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** `m:ss` or `h:mm:ss`; "?" until there is a rate to extrapolate from. */
export function formatDuration(seconds: number | undefined): string {
    if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "?";
    // Up, not to the nearest: "0:00" while a large log is still downloading would be a lie.
    const s = Math.ceil(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * Seconds left at the average rate since `startedMs`. The total can still grow while a pull lists runs
 * (runs are fetched as their page arrives), so this is the time to finish what is listed so far.
 */
/** The runs a pull will go through: the server's count when it gave one, else what is listed so far. */
export const totalOf = (p: EnvProgress): number => Math.max(p.runsListed, p.runsExpected ?? 0);

export function etaSeconds(done: number, total: number, startedMs: number, nowMs: number): number | undefined {
    const elapsed = (nowMs - startedMs) / 1000;
    if (done <= 0 || elapsed < 1 || total <= done) return total > 0 && done >= total ? 0 : undefined;
    return ((total - done) * elapsed) / done;
}

/**
 * How often a plain (non-terminal) display prints a progress line per environment or build phase:
 * every few seconds, so a log file or CI output shows a long pull moving without filling up.
 * PADLENS_PROGRESS_SECONDS overrides it (docs/cli.md).
 */
export function progressIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
    const s = Number(env.PADLENS_PROGRESS_SECONDS);
    return Number.isFinite(s) && s > 0 ? s * 1000 : 5000;
}

/** Fixed-width name column: as wide as the longest name (slugs are at most 40 characters), never cut. */
export function nameWidth(names: readonly string[]): number {
    return Math.max(12, ...names.map((n) => n.length));
}

interface EnvTrack {
    last: EnvProgress;
    /** When the environment started fetching runs: the ETA's rate is measured from here. */
    runsStartedMs?: number;
    lastLineMs: number;
}

/** The plain line for one environment: what a non-terminal shows every few seconds and the log file keeps. */
export function progressLine(p: EnvProgress, width: number, eta: number | undefined): string {
    const done = p.runsFetched + p.runsUnchanged + p.runsSkipped;
    const head = `${p.env.padEnd(width)} ${p.phase.padEnd(9)}`;
    if (p.phase === "starting" || p.phase === "snapshots") return `${head} signing in, reading flows, machines and log settings`;
    const tail = `${done}/${totalOf(p)} runs (${p.runsFetched} fetched, ${p.runsUnchanged} unchanged), ${p.v1Files + p.v2Runs} logs, ${formatBytes(p.bytes)}, ${p.retries} retries, ${p.throttled} throttled`;
    return p.phase === "runs" ? `${head} ${tail}, ETA ${formatDuration(eta)}` : `${head} ${tail}`;
}

/**
 * A bar per environment on a terminal; plain lines (start, every few seconds, end) otherwise. With
 * --quiet the terminal gets nothing but messages (warnings). The log file (--log-file) always gets the
 * plain lines: it cannot hold a bar, and it is read later by someone finding out what happened.
 */
export function createProgressDisplay(stream: NodeJS.WriteStream, options: { quiet: boolean; envs: readonly string[]; terminal?: Terminal; intervalMs?: number; now?: () => number }): ProgressDisplay {
    const t = options.terminal ?? processTerminal;
    const interval = options.intervalMs ?? progressIntervalMs();
    const now = options.now ?? Date.now;
    const width = nameWidth(options.envs);
    if (stream.isTTY && !options.quiet) return new BarDisplay(stream, t, width, interval, now);
    return new LineDisplay(t, options.quiet, width, interval, now);
}

abstract class TrackingDisplay implements ProgressDisplay {
    protected readonly envs = new Map<string, EnvTrack>();

    constructor(protected readonly t: Terminal, protected readonly width: number, protected readonly interval: number, protected readonly now: () => number) {}

    get runsFetched(): number {
        let n = 0;
        for (const e of this.envs.values()) n += e.last.runsFetched;
        return n;
    }

    protected track(p: EnvProgress): { track: EnvTrack; phaseChanged: boolean; eta: number | undefined } {
        let track = this.envs.get(p.env);
        const phaseChanged = !track || track.last.phase !== p.phase;
        if (!track) {
            track = { last: p, lastLineMs: this.now() };
            this.envs.set(p.env, track);
        }
        track.last = p;
        if (p.phase === "runs" && track.runsStartedMs === undefined) track.runsStartedMs = this.now();
        const done = p.runsFetched + p.runsUnchanged + p.runsSkipped;
        const eta = track.runsStartedMs === undefined ? undefined : etaSeconds(done, totalOf(p), track.runsStartedMs, this.now());
        return { track, phaseChanged, eta };
    }

    /** A plain line at each phase change and every `interval` while running; `write` says where it goes. */
    protected plain(p: EnvProgress, write: (line: string) => void): void {
        const { track, phaseChanged, eta } = this.track(p);
        const due = this.now() - track.lastLineMs >= this.interval;
        if (!phaseChanged && !due) return;
        track.lastLineMs = this.now();
        if (phaseChanged && p.phase === "starting") return; // "snapshots" follows at once and says more
        write(`${progressLine(p, this.width, eta)}\n`);
    }

    abstract update(p: EnvProgress): void;
    abstract message(line: string): void;
    abstract stop(): void;
}

class BarDisplay extends TrackingDisplay {
    private readonly multibar: cliProgress.MultiBar;
    private readonly bars = new Map<string, cliProgress.SingleBar>();
    private stopped = false;

    constructor(stream: NodeJS.WriteStream, t: Terminal, width: number, interval: number, now: () => number) {
        super(t, width, interval, now);
        this.multibar = new cliProgress.MultiBar({
            stream,
            clearOnComplete: false,
            hideCursor: true,
            barsize: 16,
            // The name column is as wide as the longest environment name, so long names keep the columns aligned.
            format: "{env} [{bar}] {done}/{listed} runs | ETA {left} | {logs} logs | {bytes} | {retries} retries | {throttled} 429 | {phase}",
        }, cliProgress.Presets.shades_classic);
    }

    update(p: EnvProgress): void {
        if (this.stopped) return;
        this.plain(p, (line) => this.t.log(line));
        const { eta } = this.track(p);
        const done = p.runsFetched + p.runsUnchanged + p.runsSkipped;
        const payload = {
            env: p.env.padEnd(this.width), phase: p.phase.padEnd(9), done, listed: p.runsListed,
            // Not "eta": cli-progress fills that name itself, from the bar's own (total-blind) estimate.
            left: p.phase === "runs" ? formatDuration(eta).padStart(7) : "       ",
            logs: p.v1Files + p.v2Runs, bytes: formatBytes(p.bytes).padStart(9), retries: p.retries, throttled: p.throttled,
        };
        let bar = this.bars.get(p.env);
        if (!bar) {
            bar = this.multibar.create(Math.max(1, totalOf(p)), 0, payload);
            this.bars.set(p.env, bar);
        }
        bar.setTotal(Math.max(1, totalOf(p)));
        bar.update(done, payload);
    }

    message(line: string): void {
        if (this.stopped) {
            this.t.err(`${line}\n`);
            return;
        }
        // Scrubbed here too: the bar writes straight to the stream, around the terminal.
        this.t.log(`${line}\n`);
        this.multibar.log(`${scrub(line.replace(/\n*$/, ""))}\n`);
    }

    stop(): void {
        if (this.stopped) return;
        this.stopped = true;
        // Restores the cursor the bars hid (hideCursor), also when called from the Ctrl-C handler.
        this.multibar.stop();
    }
}

class LineDisplay extends TrackingDisplay {
    constructor(t: Terminal, private readonly quiet: boolean, width: number, interval: number, now: () => number) {
        super(t, width, interval, now);
    }

    update(p: EnvProgress): void {
        // --quiet keeps the terminal to the summary; the log file (read later, by someone diagnosing) still gets the lines.
        this.plain(p, (line) => (this.quiet ? this.t.log(line) : this.t.err(line)));
    }

    message(line: string): void {
        this.t.err(`${line}\n`);
    }

    stop(): void {}
}

export interface BuildProgressDisplay {
    update(p: BuildProgress): void;
    stop(): void;
    /** The phase the build last reported (what Ctrl-C says was in progress). */
    readonly phase: BuildProgress["phase"] | undefined;
}

const PHASE_TEXT: Record<BuildProgress["phase"], string> = {
    plan: "finding what changed in",
    decode: "decoding logs",
    load: "loading actions",
    write: "writing Parquet tables",
    commit: "committing",
};

/** The plain line for a build phase: `build: decoding logs alpha 1200/4000 runs, ETA 0:42`. */
export function buildProgressLine(p: BuildProgress, eta: number | undefined): string {
    const counts = p.runsTotal ? ` ${p.runsDone}/${p.runsTotal} runs${p.runsDone < p.runsTotal ? `, ETA ${formatDuration(eta)}` : ""}` : "";
    return `build: ${PHASE_TEXT[p.phase]}${p.env ? ` ${p.env}` : ""}${counts}`;
}

/**
 * The build's phases with counts: decode and load report runs done of the environment's runs, write and
 * commit have no count. One bar on a terminal; a line at each phase or environment change and every few
 * seconds otherwise.
 */
export function createBuildProgress(stream: NodeJS.WriteStream, options: { quiet: boolean; terminal?: Terminal; intervalMs?: number; now?: () => number }): BuildProgressDisplay {
    const t = options.terminal ?? processTerminal;
    const interval = options.intervalMs ?? progressIntervalMs();
    const now = options.now ?? Date.now;
    const tty = Boolean(stream.isTTY) && !options.quiet;
    let phase: BuildProgress["phase"] | undefined;
    let key = "";
    let lastLine = 0;
    let envStarted = 0;
    let bar: cliProgress.SingleBar | undefined;
    let stopped = false;
    return {
        get phase() {
            return phase;
        },
        update(p) {
            if (stopped) return;
            phase = p.phase;
            // decode and load alternate within one environment: one stage for the ETA and the line.
            const stage = `${p.phase === "load" ? "decode" : p.phase}/${p.env ?? ""}`;
            const changed = stage !== key;
            if (changed) {
                key = stage;
                envStarted = now();
            }
            const eta = p.runsTotal ? etaSeconds(p.runsDone, p.runsTotal, envStarted, now()) : undefined;
            const line = buildProgressLine(p, eta);
            if (changed || now() - lastLine >= interval) {
                lastLine = now();
                if (tty || options.quiet) t.log(`${line}\n`);
                else t.err(`${line}\n`);
            }
            if (!tty) return;
            const payload = { what: `${PHASE_TEXT[p.phase]}${p.env ? ` ${p.env}` : ""}`.padEnd(28), left: p.runsTotal ? formatDuration(eta) : "-" };
            if (!bar) {
                bar = new cliProgress.SingleBar({ stream, hideCursor: true, clearOnComplete: false, barsize: 16, format: "build {what} [{bar}] {value}/{total} runs | ETA {left}" }, cliProgress.Presets.shades_classic);
                bar.start(Math.max(1, p.runsTotal), p.runsDone, payload);
            }
            bar.setTotal(Math.max(1, p.runsTotal || 1));
            bar.update(p.runsTotal ? p.runsDone : 1, payload);
        },
        stop() {
            if (stopped) return;
            stopped = true;
            bar?.stop();
        },
    };
}
