/**
 * A small seeded PRNG (mulberry32) and the draws the generator needs. Math.random is never used so
 * that the same seed gives byte-identical data on every machine.
 */
export class Rng {
    private state: number;

    constructor(seed: number) {
        this.state = seed >>> 0;
    }

    /** Uniform in [0, 1). */
    next(): number {
        let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    uint32(): number {
        return Math.floor(this.next() * 4294967296) >>> 0;
    }

    /** Integer in [min, max] inclusive. */
    int(min: number, max: number): number {
        return min + Math.floor(this.next() * (max - min + 1));
    }

    chance(p: number): boolean {
        return this.next() < p;
    }

    pick<T>(items: readonly T[]): T {
        return items[Math.floor(this.next() * items.length)];
    }

    /** Picks by weight; weights need not sum to 1. */
    weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
        let total = 0;
        for (const [, w] of items) total += w;
        let r = this.next() * total;
        for (const [item, w] of items) {
            r -= w;
            if (r < 0) return item;
        }
        return items[items.length - 1][0];
    }

    /** Standard normal (Box-Muller). */
    normal(): number {
        const u = 1 - this.next();
        const v = this.next();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** Log-normal with the given median and log-space sigma. */
    logNormal(median: number, sigma: number): number {
        return median * Math.exp(sigma * this.normal());
    }

    /** Lowercase GUID (version-4 layout) drawn from this stream. */
    guid(): string {
        const hex = (n: number): string => n.toString(16).padStart(8, "0");
        const a = hex(this.uint32());
        const b = hex(this.uint32());
        const c = hex(this.uint32());
        const d = hex(this.uint32());
        const variant = ((parseInt(c[0], 16) & 0x3) | 0x8).toString(16);
        return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
    }
}

/** Stable 32-bit hash of a seed and any number of parts, to seed independent streams (per run, per env). */
export function streamSeed(seed: number, ...parts: Array<string | number>): number {
    let h = (0x811c9dc5 ^ seed) >>> 0;
    const text = parts.join("|");
    for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    // Final avalanche so that neighbouring run ids give unrelated streams.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    return h >>> 0;
}

export function rngFor(seed: number, ...parts: Array<string | number>): Rng {
    return new Rng(streamSeed(seed, ...parts));
}

/** Dataverse returns datetimes at second precision with a trailing Z. */
export function dvTime(ms: number): string {
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
