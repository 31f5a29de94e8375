/** Service protection limits (docs/pull.md), per client and environment. */
export interface ServiceLimits {
    /** Requests allowed per window (Dataverse: 6,000 per 5 minutes). */
    requestsPerWindow: number;
    windowSeconds: number;
    /** Requests in flight at once (Dataverse: 52). */
    concurrentRequests: number;
}

export const DATAVERSE_LIMITS: ServiceLimits = { requestsPerWindow: 6000, windowSeconds: 300, concurrentRequests: 52 };

export interface Throttle {
    retryAfterSeconds: number;
    code: string;
    message: string;
}

/**
 * Fixed windows that start with a client's first request: deterministic (the n-th request of a window
 * is refused exactly when n exceeds the limit) and Retry-After is the time left in the window, as on
 * Dataverse. Concurrency is counted by the caller through enter/leave.
 */
export class LimitTracker {
    private readonly windows = new Map<string, { start: number; count: number }>();
    private readonly inFlight = new Map<string, number>();

    constructor(public limits: ServiceLimits, private readonly now: () => number) {}

    /** Admits a request (and counts it as in flight) or returns why not. */
    enter(client: string): Throttle | undefined {
        const now = this.now();
        let window = this.windows.get(client);
        if (!window || now - window.start >= this.limits.windowSeconds * 1000) {
            window = { start: now, count: 0 };
            this.windows.set(client, window);
        }
        const inFlight = this.inFlight.get(client) ?? 0;
        if (inFlight >= this.limits.concurrentRequests) {
            return {
                retryAfterSeconds: 1,
                code: "0x80072326",
                message: `Number of concurrent requests exceeded the limit of ${this.limits.concurrentRequests}.`,
            };
        }
        if (window.count >= this.limits.requestsPerWindow) {
            return {
                retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.limits.windowSeconds * 1000 - now) / 1000)),
                code: "0x80072322",
                message: `Number of requests exceeded the limit of ${this.limits.requestsPerWindow} over time window of ${this.limits.windowSeconds} seconds.`,
            };
        }
        window.count++;
        this.inFlight.set(client, inFlight + 1);
        return undefined;
    }

    leave(client: string): void {
        this.inFlight.set(client, Math.max(0, (this.inFlight.get(client) ?? 1) - 1));
    }

    reset(): void {
        this.windows.clear();
    }
}
