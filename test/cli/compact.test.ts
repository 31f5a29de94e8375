import { describe, expect, it } from "vitest";
import { freshStore, writeRuns } from "../pipeline/store/fixtures.js";
import { cli, onlyJson } from "./helpers.js";

describe("padlens compact", () => {
    it("packs closed months, and inspect shows a packed run's logs exactly as it did loose", async () => {
        const store = await freshStore();
        // Months long closed whatever today's date; two runs of each, V1 and V2.
        const ids = await writeRuns(store, "prod", 12, ["2024-01", "2024-02", "2024-03"]);
        const inspect = async () => onlyJson(await cli(["inspect", `prod/${ids[1]}`, "--out", store.root, "--json"]));
        const before = await inspect();
        expect((before.reports as Array<{ source: string }>).map((x) => x.source)).toEqual(["V1", "V2"]);

        const run = await cli(["compact", "--out", store.root, "--json"]);
        const out = onlyJson(run);
        expect(out).toMatchObject({ status: "ok", command: "compact", environments: [{ env: "prod", months: ["2024-01", "2024-02", "2024-03"], runsPacked: 12, packsWritten: 3, filesBefore: 24, filesAfter: 4 }] });
        expect(await store.looseRunIds("prod")).toEqual([]);

        expect(await inspect()).toEqual(before);
    });

    it("refuses an unknown environment and a folder with no raw store (exit 2)", async () => {
        const store = await freshStore();
        expect(onlyJson(await cli(["compact", "--out", store.root, "--json"]))).toMatchObject({ status: "usage", error: expect.stringContaining("no raw store") as unknown });
        await writeRuns(store, "prod", 1, ["2024-01"]);
        expect(onlyJson(await cli(["compact", "--out", store.root, "--env", "nope", "--json"]))).toMatchObject({ status: "usage", error: expect.stringContaining("nope") as unknown });
    });
});
