/**
 * DuckDB work in order, one task at a time, beside the JS decoding: `push` waits until the previous task is
 * done before queueing (at most one in flight, so spool files do not pile up), `run` queues and returns the
 * task's result. A failed task fails the next push or run.
 */
export class DuckQueue {
    private tail: Promise<unknown> = Promise.resolve();

    async push(task: () => Promise<void>): Promise<void> {
        await this.tail;
        this.tail = task();
        this.tail.catch(() => undefined); // rethrown by the next push, run or drain
    }

    run<T>(task: () => Promise<T>): Promise<T> {
        const result = this.tail.then(task);
        this.tail = result;
        this.tail.catch(() => undefined);
        return result;
    }

    async drain(): Promise<void> {
        await this.tail;
    }
}
