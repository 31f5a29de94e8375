import { createHash } from "node:crypto";

export type FaultProfileName = "none" | "flaky" | "resets" | "truncated" | "slow" | "storm429" | "chaos" | "bulkdelete-partial";
export const FAULT_PROFILES: FaultProfileName[] = ["none", "flaky", "resets", "truncated", "slow", "storm429", "chaos", "bulkdelete-partial"];

/** What the transport does to one response instead of (or before) sending it normally. */
export type Fault =
    | { kind: "error"; status: 500 | 502 | 503 }
    | { kind: "reset" }
    | { kind: "truncated" }
    | { kind: "slow"; delayMs: number }
    | { kind: "throttle"; retryAfterSeconds: number };

interface Rates {
    error: number;
    reset: number;
    truncated: number;
    slow: number;
    storm: number;
}

const RATES: Record<FaultProfileName, Rates> = {
    none: { error: 0, reset: 0, truncated: 0, slow: 0, storm: 0 },
    flaky: { error: 0.08, reset: 0, truncated: 0, slow: 0, storm: 0 },
    resets: { error: 0, reset: 0.08, truncated: 0, slow: 0, storm: 0 },
    truncated: { error: 0, reset: 0, truncated: 0.08, slow: 0, storm: 0 },
    slow: { error: 0, reset: 0, truncated: 0, slow: 0.3, storm: 0 },
    storm429: { error: 0, reset: 0, truncated: 0, slow: 0, storm: 0.15 },
    chaos: { error: 0.03, reset: 0.03, truncated: 0.03, slow: 0.1, storm: 0.05 },
    // Not about responses: every bulk deletion job stops half-way and fails (bulk-delete.ts reads the profile).
    "bulkdelete-partial": { error: 0, reset: 0, truncated: 0, slow: 0, storm: 0 },
};

/**
 * Decides faults from a hash of (seed, request, attempt) rather than from a shared random stream, so
 * the same request sequence meets the same faults however concurrent requests interleave. `attempt`
 * counts how often that exact request was seen: a retried request draws again and eventually passes,
 * and a 429 storm hits a request for 1-3 consecutive attempts.
 */
export class FaultInjector {
    private readonly attempts = new Map<string, number>();

    constructor(
        readonly profile: FaultProfileName,
        readonly seed: number,
        private readonly slowScaleMs = 600,
    ) {
        if (!RATES[profile]) throw new Error(`unknown fault profile '${profile}' (one of ${FAULT_PROFILES.join(", ")})`);
    }

    decide(requestKey: string): { fault: Fault | undefined; attempt: number } {
        const attempt = (this.attempts.get(requestKey) ?? 0) + 1;
        this.attempts.set(requestKey, attempt);
        return { fault: this.faultFor(requestKey, attempt), attempt };
    }

    private faultFor(key: string, attempt: number): Fault | undefined {
        const rates = RATES[this.profile];
        if (rates.storm > 0) {
            // A storm is decided once per request: it answers 429 for its first `length` attempts.
            const storm = this.draw(key, 0, "storm");
            const length = 1 + Math.floor(this.draw(key, 0, "storm-length") * 3);
            if (storm < rates.storm && attempt <= length) {
                return { kind: "throttle", retryAfterSeconds: 1 + Math.floor(this.draw(key, attempt, "retry-after") * 2) };
            }
        }
        let u = this.draw(key, attempt, "fault");
        if (u < rates.error) {
            const statuses = [500, 502, 503] as const;
            return { kind: "error", status: statuses[Math.floor(this.draw(key, attempt, "status") * 3)] };
        }
        u -= rates.error;
        if (u < rates.reset) return { kind: "reset" };
        u -= rates.reset;
        if (u < rates.truncated) return { kind: "truncated" };
        u -= rates.truncated;
        if (u < rates.slow) return { kind: "slow", delayMs: Math.round(10 + this.draw(key, attempt, "delay") * this.slowScaleMs) };
        return undefined;
    }

    private draw(key: string, attempt: number, purpose: string): number {
        const digest = createHash("sha256").update(`${this.seed}\0${this.profile}\0${purpose}\0${attempt}\0${key}`).digest();
        return digest.readUInt32BE(0) / 0x1_0000_0000;
    }
}
