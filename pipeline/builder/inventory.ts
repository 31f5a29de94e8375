import { createHash } from "node:crypto";
import type { RawStore } from "../store/raw-store.js";

/** What the raw store holds for an environment, with a signature per run or pack that changes with its content. */
export interface Inventory {
    packs: Array<{ month: string; signature: string; runIds: string[] }>;
    loose: Array<{ runId: string; signature: string }>;
}

/** The raw store's inventory of an environment. */
export async function takeInventory(store: RawStore, env: string): Promise<Inventory> {
    const loose: Inventory["loose"] = [];
    for (const runId of await store.listRunIds(env)) {
        const stored = await store.readRun(env, runId);
        if (stored) loose.push({ runId, signature: createHash("sha256").update(JSON.stringify(stored)).digest("hex").slice(0, 24) });
    }
    return { packs: [], loose };
}
