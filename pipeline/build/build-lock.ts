import { open, readFile, rm } from "node:fs/promises";
import path from "node:path";

/** Another build holds the output folder. */
export class BuildLockedError extends Error {}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        // EPERM: the process exists but belongs to someone else.
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * One build per output folder at a time: two builds would interleave their commits through the same
 * journal. The lock file holds the owner's pid; a lock left by a process that no longer runs is taken over.
 */
export async function acquireBuildLock(out: string): Promise<() => Promise<void>> {
    const file = path.join(out, ".build.lock");
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            const handle = await open(file, "wx");
            await handle.writeFile(String(process.pid));
            await handle.close();
            return () => rm(file, { force: true });
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            const pid = Number(await readFile(file, "utf8").catch(() => ""));
            if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
                throw new BuildLockedError(`another build (pid ${pid}) is writing ${out}; wait for it, or delete ${file} if that process is not padlens`);
            }
            await rm(file, { force: true });
        }
    }
    throw new BuildLockedError(`could not lock ${out} for the build`);
}
