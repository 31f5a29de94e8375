import type { DuckDBConnection } from "@duckdb/node-api";
import { Loader, type ParquetCompression } from "../load/loader.js";

/**
 * Actions an instance loads before it is replaced by a fresh one. DuckDB's allocator keeps what a batch used
 * until its instance closes, so one instance for a whole environment grows batch after batch (measured: five
 * loads and writes of a 33,000-action batch kept 339 MB in one instance, 229 MB with an instance each).
 * Opening one costs ~20 ms, so small batches (an hourly pull's few runs) share one.
 */
const RECYCLE_AFTER_ACTIONS = 20_000;

/** The build's DuckDB: in-memory, emptied after each batch and replaced once it has loaded RECYCLE_AFTER_ACTIONS. */
export class BatchDatabase {
    private current: { db: { con: DuckDBConnection; close(): void }; loader: Loader } | null = null;
    private actionsLoaded = 0;

    constructor(
        private readonly open: () => Promise<{ con: DuckDBConnection; close(): void }>,
        private readonly compression: ParquetCompression,
    ) {}

    /** The current instance's loader, opened with empty staging tables when there is none. */
    async loader(): Promise<Loader> {
        if (!this.current) {
            const db = await this.open();
            try {
                const loader = new Loader(db.con, this.compression);
                await loader.createTables();
                this.current = { db, loader };
            } catch (e) {
                db.close();
                throw e;
            }
        }
        return this.current.loader;
    }

    /** After a batch is written: empties the staging tables, or closes the instance once it has loaded enough. */
    async endBatch(actions: number): Promise<void> {
        this.actionsLoaded += actions;
        if (this.actionsLoaded >= RECYCLE_AFTER_ACTIONS) this.close();
        else await this.current?.loader.clear();
    }

    /** Closes the instance (its rows and the memory behind them); the next loader() opens a new one. */
    close(): void {
        this.current?.loader.dispose();
        this.current?.db.close();
        this.current = null;
        this.actionsLoaded = 0;
    }
}
