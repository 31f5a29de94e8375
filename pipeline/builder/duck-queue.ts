/**
 * DuckDB work in order, one task at a time, beside the JS decoding. `push` queues a task and returns at once
 * unless the tasks still queued weigh more than the backlog bound (in decoded actions: what they hold in
 * memory): then it waits for the oldest to finish. Waiting for every previous task instead (as a one-in-flight
 * queue does) left the decoder idle while DuckDB wrote a batch: a third of a full build's wall time.
 * `run` queues and returns the task's result. A failed task fails every later push, run and drain.
 */
export class DuckQueue {
    private tail: Promise<unknown> = Promise.resolve();
    private readonly waiting: Array<{ done: Promise<unknown>; weight: number }> = [];
    private queuedWeight = 0;
    private failure: { error: unknown } | null = null;

    /** `backlog`: how much weight may wait before push blocks. */
    constructor(private readonly backlog: number) {}

    async push(task: () => Promise<void>, weight = 0): Promise<void> {
        if (this.failure) throw this.failure.error;
        // The oldest first: a failure surfaces here, on the push after it.
        while (this.waiting.length > 0 && this.queuedWeight + weight > this.backlog) {
            await this.waiting[0].done;
        }
        const done = this.tail.then(task);
        this.tail = done;
        done.catch(() => undefined); // rethrown by the next push, run or drain
        const entry = { done, weight };
        this.waiting.push(entry);
        this.queuedWeight += weight;
        const settle = () => {
            this.waiting.splice(this.waiting.indexOf(entry), 1);
            this.queuedWeight -= weight;
        };
        done.then(settle, (error: unknown) => {
            this.failure ??= { error };
            settle();
        });
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
