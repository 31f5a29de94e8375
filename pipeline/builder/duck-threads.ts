import type { BatchDatabase } from "./batch-database.js";

/**
 * DuckDB's threads over a build: fewer while JavaScript decodes (the decoder keeps a core busy), all of them
 * once every environment's runs are decoded, for the writes that remain (load/duckdb.ts, buildThreads).
 */
export class DuckThreads {
    private decoding = true;
    private readonly databases = new Set<BatchDatabase>();

    constructor(private readonly whileDecoding: number, private readonly afterDecoding: number) {}

    /** Threads a database opened now starts with. */
    get now(): number {
        return this.decoding ? this.whileDecoding : this.afterDecoding;
    }

    add(db: BatchDatabase): void {
        this.databases.add(db);
    }

    delete(db: BatchDatabase): void {
        this.databases.delete(db);
    }

    /** Every run of the build is decoded: the databases still writing get every thread. */
    async decodingDone(): Promise<void> {
        if (!this.decoding) return;
        this.decoding = false;
        if (this.afterDecoding === this.whileDecoding) return;
        await Promise.all([...this.databases].map((db) => db.setThreads(this.afterDecoding)));
    }
}
