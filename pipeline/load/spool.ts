import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";

/**
 * JSON-lines spool files of bounded size: the build hands DuckDB one file at a time, so memory does
 * not grow with the input. Tracks the longest line, because read_json needs maximum_object_size raised
 * to it (and only to it: a huge value slows batches down).
 */
export class Spool {
    private fd: number | null = null;
    private size = 0;
    private lines = 0;
    private n = 0;
    private longest = 0;
    private readonly done: Array<{ file: string; lines: number; longest: number }> = [];

    constructor(private readonly dir: string, private readonly prefix: string, private readonly maxBytes = 64 * 1024 * 1024) {
        mkdirSync(dir, { recursive: true });
    }

    /** Writes one line; returns a finished file (to load now) when the size bound was reached. */
    write(obj: unknown): { file: string; lines: number; longest: number } | null {
        const line = JSON.stringify(obj) + "\n";
        const bytes = Buffer.byteLength(line);
        if (this.fd === null) {
            this.fd = openSync(this.current(), "w");
            this.size = 0;
            this.lines = 0;
            this.longest = 0;
        }
        writeSync(this.fd, line);
        this.size += bytes;
        this.lines++;
        this.longest = Math.max(this.longest, bytes);
        return this.size >= this.maxBytes ? this.finish() : null;
    }

    /** Closes the current file, if any, and returns it. */
    finish(): { file: string; lines: number; longest: number } | null {
        if (this.fd === null) return null;
        closeSync(this.fd);
        this.fd = null;
        const f = { file: this.current(), lines: this.lines, longest: this.longest };
        this.n++;
        this.done.push(f);
        return f;
    }

    private current(): string {
        return path.join(this.dir, `${this.prefix}-${String(this.n).padStart(5, "0")}.jsonl`);
    }
}
