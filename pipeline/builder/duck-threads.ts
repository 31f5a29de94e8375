import type { BatchDatabase } from "./batch-database.js";

/**
 * DuckDB's threads over a build, shared by the databases open at a time (one per environment in flight): fewer
 * while JavaScript decodes (the decoder keeps a core busy), all of them once every environment's runs are
 * decoded, for the writes that remain (load/duckdb.ts, buildThreads). More threads than cores cost more than
 * they give: each database's calling thread polls for work while its other threads run a statement.
 */
export class DuckThreads {
    private decoding = true;
    private readonly databases = new Map<BatchDatabase, number>();

    constructor(private readonly whileDecoding: number, private readonly afterDecoding: number) {}

    /** Threads each open database gets now. */
    private get now(): number {
        const budget = this.decoding ? this.whileDecoding : this.afterDecoding;
        return Math.max(1, Math.floor(budget / Math.max(1, this.databases.size)));
    }

    // Each returns once the databases have their new count (the build does not wait: a count is a hint).

    /** A database about to open: it gets its share (counting itself), the others may get fewer. */
    add(db: BatchDatabase): Promise<void> {
        this.databases.set(db, 0);
        return this.spread();
    }

    delete(db: BatchDatabase): Promise<void> {
        this.databases.delete(db);
        return this.spread();
    }

    /** Every run of the build is decoded: the databases still writing share every thread. */
    decodingDone(): Promise<void> {
        this.decoding = false;
        return this.spread();
    }

    private async spread(): Promise<void> {
        const n = this.now;
        const changes: Array<Promise<void>> = [];
        for (const [db, threads] of this.databases) {
            if (threads === n) continue;
            this.databases.set(db, n);
            changes.push(db.setThreads(n));
        }
        await Promise.all(changes);
    }
}
