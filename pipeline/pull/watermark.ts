/**
 * Runs are listed in (modifiedon, id) order and committed with bounded concurrency, so they finish out of
 * order. The watermark may only pass runs that are on disk: it is the modifiedon of the longest prefix of
 * the listing whose runs are all committed.
 */
export class CommittedPrefix {
    private readonly modifiedOn: string[] = [];
    private readonly done: boolean[] = [];
    private next = 0;

    /** Registers a listed run; returns its position. */
    add(modifiedOn: string): number {
        this.modifiedOn.push(modifiedOn);
        this.done.push(false);
        return this.modifiedOn.length - 1;
    }

    /** Marks a run committed; returns the new watermark when the prefix moved. */
    commit(position: number): string | undefined {
        this.done[position] = true;
        const before = this.next;
        while (this.next < this.done.length && this.done[this.next]) this.next++;
        return this.next > before ? this.modifiedOn[this.next - 1] : undefined;
    }

    get pending(): number {
        return this.done.length - this.next;
    }
}

/**
 * A `modifiedon` the watermark can hold: ISO-8601 UTC as the Web API writes it. Anything else (null, a
 * date in another shape) would be stored as the watermark and break the next pull's $filter for good.
 */
export function isWatermark(value: unknown): value is string {
    return typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?Z$/.test(value) && Number.isFinite(Date.parse(value));
}
