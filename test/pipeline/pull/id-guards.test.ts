import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataverseClient, keyed } from "../../../pipeline/extract/dataverse-client.js";
import { RawStore, type SnapshotSet, type StoredRun } from "../../../pipeline/store/raw-store.js";
import { displayId, parseGuid } from "../../../pipeline/util/ids.js";
import { HOSTILE_RUNS } from "../../../simulator/server/hostile.js";

const GOOD = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
const HOSTILE = [
    ...HOSTILE_RUNS.map((h) => h.id).filter((id): id is string => typeof id === "string"),
    "..", ".", "../x", "..\\x", `${GOOD}/..`, `${GOOD}\\..`, ` ${GOOD}`, `${GOOD}\n`, `{${GOOD}}`, GOOD.replace(/-/g, ""), `${GOOD}0`,
    "3f2504e0-4f89-11d3-9a0c-0305e82c330g",
];
const run = (id: string): StoredRun => ({ row: { flowsessionid: id }, fetch: { fetchedAt: "2026-01-01T00:00:00Z", v1: { state: "absent" }, v2: { state: "absent" } } });

/** Every file under `dir` with a hash of its content, for before/after comparisons. */
async function tree(dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
        if (e.isFile()) out[path.relative(dir, path.join(e.parentPath, e.name))] = createHash("sha256").update(await readFile(path.join(e.parentPath, e.name))).digest("hex");
    }
    return out;
}

describe("ids", () => {
    it("accepts canonical GUIDs only, in lowercase, and prints anything else harmlessly", () => {
        expect(parseGuid(GOOD)).toBe(GOOD);
        expect(parseGuid(GOOD.toUpperCase())).toBe(GOOD);
        for (const id of [...HOSTILE, null, undefined, 42, {}, [GOOD]]) expect(parseGuid(id), String(id)).toBeUndefined();
        expect(displayId("../../x")).toBe("'../../x'");
        expect(displayId("\u001b]0;x\u0007\r\nfailed: y")).toBe("'\\u{1b}]0;x\\u{7}\\u{d}\\u{a}failed: y'");
        expect(displayId("x".repeat(500))).toHaveLength(82);
        expect(displayId(null)).toBe("'null'");
    });
});

describe("raw store path guard", () => {
    let parent: string;
    let store: RawStore;
    beforeAll(async () => {
        parent = await mkdtemp(path.join(os.tmpdir(), "padlens-guard-"));
        store = new RawStore(path.join(parent, "a", "b", "out"));
        await mkdir(path.join(parent, "a", "outside"), { recursive: true });
        for (const f of ["PWNED.json", "PWNED.gz", "PWNED.jsonl.gz", "GONE.gz", "GONE.jsonl.gz"]) await writeFile(path.join(parent, "a", "outside", f), `sentinel ${f}`);
    });
    afterAll(() => rm(parent, { recursive: true, force: true }));

    it("refuses every non-GUID run id in every path it builds, before touching the disk", async () => {
        const before = await tree(parent);
        for (const id of HOSTILE) {
            await expect(store.writeRun("prod", id, run(id), {}), id).rejects.toThrow(/refusing run id .* not a GUID/);
            await expect(store.writeRun("prod", id, run(id), { v1: Buffer.from("x"), v2: [{}] }), id).rejects.toThrow(/not a GUID/);
            await expect(store.readRun("prod", id)).rejects.toThrow(/not a GUID/);
            await expect(store.readV1("prod", id)).rejects.toThrow(/not a GUID/);
            await expect(store.readV2("prod", id)).rejects.toThrow(/not a GUID/);
            expect(() => store.v1Path("prod", id)).toThrow(/not a GUID/);
            expect(() => store.v2Path("prod", id)).toThrow(/not a GUID/);
        }
        expect(await tree(parent)).toEqual(before);
    });

    it("refuses environment names that are not config slugs, and unknown snapshot sets", async () => {
        for (const env of ["..", ".", "", "a/b", "a\\b", "../prod", "Prod", "/etc", "C:\\x", "prod\n"]) {
            expect(() => store.envDir(env), env).toThrow(/not a slug/);
            await expect(store.writeRun(env, GOOD, run(GOOD), {})).rejects.toThrow(/not a slug/);
            await expect(store.writeState(env, { schemaVersion: 1, watermark: null })).rejects.toThrow(/not a slug/);
        }
        await expect(store.writeSnapshot("prod", "../../x" as SnapshotSet, [])).rejects.toThrow(/refusing snapshot/);
    });

    it("keys a GUID in lowercase whatever case it arrives in; lists only files named as it writes them", async () => {
        await store.writeRun("prod", GOOD.toUpperCase(), run(GOOD.toUpperCase()), { v1: Buffer.from("{}") });
        expect((await store.readRun("prod", GOOD))?.row.flowsessionid).toBe(GOOD.toUpperCase());
        expect((await store.readV1("prod", GOOD.toUpperCase()))?.toString()).toBe("{}");
        const runs = path.join(store.envDir("prod"), "runs");
        await mkdir(path.join(runs, "ab"), { recursive: true });
        await writeFile(path.join(runs, "ab", "abc.json"), "{}");
        await writeFile(path.join(runs, "ab", `${GOOD}.json`), "{}"); // wrong shard: readRun would not find it
        await writeFile(path.join(runs, "3f", `${GOOD.toUpperCase()}.json`), "{}");
        await writeFile(path.join(runs, "stray.json"), "{}");
        expect(await store.listRunIds("prod")).toEqual([GOOD]);
        await mkdir(path.join(store.root, "raw", "..weird"), { recursive: true });
        expect(await store.listEnvironments()).toEqual(["prod"]);
    });
});

describe("Web API client URL guard", () => {
    let requests = 0;
    const client = new DataverseClient({
        env: "prod", url: "https://org.example.com/env1", maxConcurrency: 1, pageSize: 10, requestTimeoutMs: 1000,
        tokens: { getToken: () => { requests++; return Promise.resolve("token"); } },
    });

    it("builds keys from GUIDs only", () => {
        expect(keyed("flowsessions", GOOD.toUpperCase())).toBe(`flowsessions(${GOOD})`);
        for (const id of HOSTILE) expect(() => keyed("flowsessions", id), id).toThrow(/not a GUID/);
    });

    it("accepts the pull's own paths and nextLinks on the same Web API", () => {
        const api = "https://org.example.com/env1/api/data/v9.2/";
        for (const p of [
            "organizations", "WhoAmI()", "workflows?$filter=category eq 6&$orderby=workflowid asc",
            "flowsessions?$select=flowsessionid,name&$filter=modifiedon ge 2026-01-01T00:00:00Z&$orderby=modifiedon asc,flowsessionid asc",
            `flowsessions(${GOOD})/additionalcontext/$value`, `flowsessions(${GOOD})/flowsession_flowlog_parentobjectid?$filter=type eq 100000001`,
        ]) expect(client.resolve(p)).toBe(api + p);
        const next = `${api}flowsessions?$select=name&$skiptoken=%3Ccookie%20pagenumber%3D%222%22%20%2F%3E`;
        expect(client.resolve(next)).toBe(next);
        expect(client.resolve(`${api}flowsessions(${GOOD})/flowsession_flowlog_parentobjectid?$skiptoken=x`)).toContain(GOOD);
    });

    it("refuses an id that is a path or URL piece, and a nextLink that leaves the Web API, without a request", async () => {
        // The path check alone stops traversal, encodings, fragments and broken keys. An id that closes the
        // key and continues as another valid request (`<guid>)/nav?$filter=`) is only stopped by keyed().
        const injected = HOSTILE.filter((id) => id.startsWith(`${GOOD})/`));
        expect(injected).toHaveLength(1);
        for (const id of HOSTILE.filter((h) => !injected.includes(h))) {
            expect(() => client.resolve(`flowsessions(${id})/additionalcontext/$value`), id).toThrow(/refusing to request/);
        }
        for (const url of [
            "https://evil.example.com/env1/api/data/v9.2/flowsessions", "http://org.example.com/env1/api/data/v9.2/flowsessions",
            "https://org.example.com:8443/env1/api/data/v9.2/flowsessions", "https://org.example.com/env2/api/data/v9.2/flowsessions",
            "https://org.example.com/env1/api/data/v9.2/../../../x", "https://org.example.com/env1/api/data/v9.2/%2e%2e/%2e%2e/x",
            "https://org.example.com/env1/api/data/v9.2/flowsessions%2f..%2fx", "https://org.example.com/env1/api/data/v9.2/flowsessions#x",
            "https://user@evil.example.com@org.example.com/env1/api/data/v9.2/x(", "file:///etc/passwd", "//evil.example.com/x",
        ]) expect(() => client.resolve(url), url).toThrow(/refusing to request/);
        await expect(client.get(`flowsessions(../../../../outside/PWNED)/additionalcontext/$value`)).rejects.toThrow(/refusing to request/);
        await expect(client.downloadFile(`flowsessions(${GOOD}?$select=name)/additionalcontext/$value`)).rejects.toThrow(/refusing to request/);
        expect(requests).toBe(0);
    });
});
