/**
 * Per-environment concurrency that adapts like TCP (AIMD): halve on a 429, add one after a window of
 * successes, never above the configured maximum. Dataverse allows 52 concurrent requests per user, but
 * its server-time budget is what usually throttles, so the limit has to find the level the service takes.
 */
export class AdaptiveLimiter {
    private active = 0;
    private successes = 0;
    private readonly waiters: Array<() => void> = [];
    limit: number;

    constructor(readonly max: number, start = Math.min(4, max)) {
        this.limit = Math.max(1, start);
    }

    async acquire(): Promise<void> {
        if (this.active < this.limit) {
            this.active++;
            return;
        }
        await new Promise<void>((resolve) => this.waiters.push(resolve));
    }

    release(): void {
        this.active--;
        this.wake();
    }

    onSuccess(): void {
        if (++this.successes >= this.limit && this.limit < this.max) {
            this.successes = 0;
            this.limit++;
            this.wake();
        }
    }

    onThrottle(): void {
        this.successes = 0;
        this.limit = Math.max(1, Math.floor(this.limit / 2));
    }

    private wake(): void {
        while (this.active < this.limit && this.waiters.length > 0) {
            this.active++;
            this.waiters.shift()!();
        }
    }
}
