import type { OpenDuckDb } from "../load/duckdb.js";
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
    private current: { db: OpenDuckDb; loader: Loader } | null = null;
    private actionsLoaded = 0;
    /** A thread change in flight on the current instance's control connection: closing waits for it. */
    private threadChange: Promise<void> | null = null;
    /** Instances being closed (closing one takes a statement on its own connection first). */
    private readonly closing: Array<Promise<void>> = [];

    constructor(
        /** Opens an instance with this many threads. */
        private readonly open: (threads: number) => Promise<OpenDuckDb>,
        private readonly compression: ParquetCompression,
        private threads: number,
    ) {}

    /** The threads of this instance and of those opened after it (see DuckThreads). */
    async setThreads(threads: number): Promise<void> {
        this.threads = threads;
        const db = this.current?.db;
        if (!db) return;
        const change = db.setThreads(threads).catch(() => undefined); // a hint: the build goes on without it
        this.threadChange = change;
        await change;
        if (this.threadChange === change) this.threadChange = null;
    }

    /** The current instance's loader, opened with empty staging tables when there is none. */
    async loader(): Promise<Loader> {
        if (!this.current) {
            const threads = this.threads;
            const db = await this.open(threads);
            try {
                // Changed while it opened.
                if (this.threads !== threads) await db.setThreads(this.threads);
                const loader = new Loader(db.con, this.compression);
                await loader.createTables();
                this.current = { db, loader };
            } catch (e) {
                await db.close();
                throw e;
            }
        }
        return this.current.loader;
    }

    /**
     * After a batch is written: empties the staging tables, or closes the instance once it has loaded enough,
     * unless it was the environment's last (`last`): what remains (action_hourly) is small, and a fresh
     * instance for it cost 15-30 ms of an hourly build's critical path.
     */
    async endBatch(actions: number, last = false): Promise<void> {
        this.actionsLoaded += actions;
        if (last) return; // nothing is loaded after it
        // The batch does not wait for the old instance to close; the environment's last close() does.
        if (this.actionsLoaded >= RECYCLE_AFTER_ACTIONS) void this.close().catch(() => undefined);
        else await this.current?.loader.clear();
    }

    /**
     * Closes the instance (its rows and the memory behind them); the next loader() opens a new one at once,
     * while this one finishes closing. Resolves when every instance closed so far is closed.
     */
    close(): Promise<void> {
        const current = this.current;
        this.current = null;
        this.actionsLoaded = 0;
        if (current) {
            // Not under a statement still running on the instance's other connection.
            const closed = (this.threadChange ?? Promise.resolve()).then(() => {
                current.loader.dispose();
                return current.db.close();
            });
            this.closing.push(closed);
        }
        return Promise.all(this.closing).then(() => undefined);
    }
}
