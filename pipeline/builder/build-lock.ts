import { mkdir, open, readFile, rm, stat, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { requireEnvName } from "../util/ids.js";

/** Another pull or build holds an environment of the output folder (and the caller chose not to wait). */
export class BuildLockedError extends Error {}

interface LockOwner {
    host: string;
    pid: number;
    command: string;
    startedAt: string;
}

export interface LockOptions {
    /** What holds the lock, for the message another process shows ("pull", "build"). */
    command?: string;
    /** Wait for the holder to finish (polling) instead of failing at once. */
    wait?: boolean;
    /** Called once when the lock is busy and we wait, with a message naming the holder. */
    onWait?: (message: string) => void;
    /** Poll interval while waiting (ms). */
    pollMs?: number;
}

/** `<out>/.locks/<env>.lock`: one per environment, so shards of one folder never wait for each other. */
const LOCKS_DIR = ".locks";
/** The holder refreshes the lock's mtime this often... */
const HEARTBEAT_MS = 30_000;
/** ...so a lock not refreshed for this long was left by a process that died, on whatever machine. */
const STALE_MS = 10 * 60_000;

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        // EPERM: the process exists but belongs to someone else.
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

const held = new Map<string, number>();

/**
 * Locks several environments, in name order (two processes locking overlapping sets cannot deadlock);
 * the returned function releases them all.
 */
export async function acquireEnvLocks(out: string, envs: readonly string[], options: LockOptions = {}): Promise<() => Promise<void>> {
    const releases: Array<() => Promise<void>> = [];
    try {
        for (const env of [...new Set(envs)].sort()) releases.push(await acquireEnvLock(out, env, options));
    } catch (e) {
        for (const r of releases.reverse()) await r();
        throw e;
    }
    return async () => {
        for (const r of releases.reverse()) await r();
    };
}

/**
 * One pull or build per environment of an output folder at a time: two would interleave their raw-store
 * writes and their commits; different environments never touch each other's files, so shards of one folder
 * run side by side. The lock names its host and pid, because on a shared folder (a file share, a synced
 * drive) a pid means nothing to another machine: a lock is taken over when its pid is gone on this host,
 * or when its holder stopped refreshing it (a process that died on another machine). Re-entrant within one
 * process, so a pull that builds holds it once throughout.
 */
export async function acquireEnvLock(out: string, env: string, options: LockOptions = {}): Promise<() => Promise<void>> {
    const dir = path.join(out, LOCKS_DIR);
    const file = path.join(dir, `${requireEnvName(env)}.lock`);
    const key = path.resolve(file);
    const depth = held.get(key);
    if (depth) {
        held.set(key, depth + 1);
        return async () => {
            held.set(key, (held.get(key) ?? 1) - 1);
        };
    }
    let told = false;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (;;) {
        const owner: LockOwner = { host: os.hostname(), pid: process.pid, command: options.command ?? "build", startedAt: new Date().toISOString() };
        try {
            const handle = await open(file, "wx");
            await handle.writeFile(JSON.stringify(owner));
            await handle.close();
            held.set(key, 1);
            const beat = setInterval(() => {
                const now = new Date();
                utimes(file, now, now).catch(() => undefined);
            }, HEARTBEAT_MS);
            beat.unref();
            return async () => {
                const left = (held.get(key) ?? 1) - 1;
                if (left > 0) {
                    held.set(key, left);
                    return;
                }
                held.delete(key);
                clearInterval(beat);
                await rm(file, { force: true });
            };
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
        const holder = await readOwner(file);
        if (holder === "gone") continue;
        if (holder === "stale" || (holder.host === os.hostname() && !alive(holder.pid))) {
            await rm(file, { force: true });
            continue;
        }
        const who = `a ${holder.command} on ${holder.host} (pid ${holder.pid}, started ${holder.startedAt})`;
        if (!options.wait) {
            throw new BuildLockedError(`${who} is writing environment ${env} of ${out}; run again when it has finished (or without --no-wait to wait for it). If no padlens runs there, delete ${file}`);
        }
        if (!told) {
            options.onWait?.(`waiting for ${who} to finish with environment ${env} of ${out} ...`);
            told = true;
        }
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
    }
}

async function readOwner(file: string): Promise<LockOwner | "gone" | "stale"> {
    const [text, info] = await Promise.all([readFile(file, "utf8").catch(() => null), stat(file).catch(() => null)]);
    if (text === null || info === null) return "gone";
    if (Date.now() - info.mtimeMs > STALE_MS) return "stale";
    try {
        const o = JSON.parse(text) as Partial<LockOwner>;
        if (typeof o.host === "string" && typeof o.pid === "number") return { host: o.host, pid: o.pid, command: o.command ?? "padlens", startedAt: o.startedAt ?? "?" };
    } catch {
        // an old-style lock (a bare pid) or a torn write
    }
    const pid = Number(text);
    return Number.isInteger(pid) && pid > 0 ? { host: os.hostname(), pid, command: "padlens", startedAt: "?" } : "stale";
}
