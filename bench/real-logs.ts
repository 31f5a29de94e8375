import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runBuild } from "../pipeline/builder/run-build.js";
import { DEFAULT_DECODE_OPTIONS } from "../pipeline/decode/action-record.js";
import { RawStore } from "../pipeline/store/raw-store.js";

/**
 * Two targets of the real-log work, measured on synthetic real-shape V1 logs (flat list, module names,
 * 7-digit times, inputs/outputs):
 * - one huge run (80,000 actions, about 95 MB of JSON) built in a fresh process: its peak RSS;
 * - 300 KB input values: the build time of a store where some actions carry them, against the same store
 *   without them (inputs/outputs off, the default), and with inputs/outputs on.
 */

const iso7 = (ms: number) => new Date(ms).toISOString().replace(/Z$/, "1234Z");
const MODULES = [["UIAutomation", "Click", "Click UI element in window"], ["WebAutomation", "ExtractData.ExtractTable", "Extract data from web page"], ["Variables", "SetVariable", "Set variable"], ["Excel", "WriteToExcel.WriteCell", "Write to Excel worksheet"]] as const;

/** A real-shape document of `n` actions; `bigInput` puts a value of that many characters on every 50th action. */
export function realDocument(n: number, bigInput = 0, padding = 0): Buffer {
    const t0 = Date.UTC(2026, 10, 5, 8);
    const actions = Array.from({ length: n }, (_, k) => {
        const [module, action, name] = MODULES[k % MODULES.length];
        const start = t0 + k * 20;
        return {
            name, systemActionName: action, systemModuleName: module, localizedModuleName: module, startTime: iso7(start), endTime: iso7(start + 15),
            index: (k % 40) + 1, functionName: k % 7 === 0 ? "main" : `Subflow_${k % 5}`, insideErrorHandling: false, status: "Succeeded",
            inputs: {
                value: { localizedName: "Value", value: bigInput && k % 50 === 0 ? "x".repeat(bigInput) : `Item ${k} ${"·".repeat(padding)}`, variableName: "CurrentItem" },
                password: { localizedName: "Password", value: "hunter2", variableName: "Password" },
            },
            outputs: { result: { localizedName: "Result", value: `R${k}`, variableName: "Result" } },
        };
    });
    return Buffer.from(JSON.stringify({ actions, childFlowsLogStatus: "Default" }));
}

async function storeOf(dir: string, runs: number, actionsPerRun: number, bigInput: number, padding = 0): Promise<number> {
    const store = new RawStore(dir);
    let bytes = 0;
    for (let r = 0; r < runs; r++) {
        const id = `be000000-0000-4000-8000-${String(r).padStart(12, "0")}`;
        const doc = realDocument(actionsPerRun, bigInput, padding);
        bytes += doc.length;
        const t = "2026-11-05T08:00:00Z";
        await store.writeRun("bench", id, { row: { flowsessionid: id, createdon: t, startedon: t, completedon: t, statuscode: 4 }, fetch: { fetchedAt: t, v1: { state: "fetched" }, v2: { state: "not-applicable" } } }, { v1: doc });
    }
    return bytes;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Peak RSS (MB) of a fresh process building `dir`. */
function childPeak(dir: string): Promise<{ peakMb: number; seconds: number }> {
    return new Promise((resolve, reject) => {
        const child = fork(fileURLToPath(import.meta.url), ["--child", dir], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
        let text = "";
        child.stdout!.on("data", (d: Buffer) => (text += d.toString()));
        child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(text) as { peakMb: number; seconds: number }) : reject(new Error(`child exited ${code}`))));
    });
}

export async function benchRealLogs(runs: number): Promise<Array<[string, string]>> {
    const work = await mkdtemp(path.join(os.tmpdir(), "padlens-bench-real-"));
    try {
        const huge = path.join(work, "huge");
        const hugeBytes = await storeOf(huge, 1, 80_000, 0, 340);
        const peaks: number[] = [];
        const hugeSeconds: number[] = [];
        for (let i = 0; i < runs; i++) {
            const r = await childPeak(huge);
            peaks.push(r.peakMb);
            hugeSeconds.push(r.seconds);
            process.stderr.write(`bench: huge run ${i + 1}/${runs}: peak RSS ${r.peakMb} MB, ${r.seconds.toFixed(2)} s\n`);
        }

        const plain = path.join(work, "plain");
        const big = path.join(work, "big");
        await storeOf(plain, 200, 500, 0);
        await storeOf(big, 200, 500, 300 * 1024);
        const time = async (dir: string, includeInputsOutputs: boolean) => {
            const t = process.hrtime.bigint();
            // --full: the same store is built again, and an incremental build would find nothing changed.
            await runBuild({ out: dir, full: true, decode: { ...DEFAULT_DECODE_OPTIONS, includeInputsOutputs } });
            return Number(process.hrtime.bigint() - t) / 1e9;
        };
        // Any reader must at least parse the logs: each build is compared with JSON.parse of its own store.
        const parse = async (dir: string) => {
            const store = new RawStore(dir);
            const t = process.hrtime.bigint();
            for (const id of await store.listRunIds("bench")) JSON.parse((await store.readV1("bench", id))!.toString("utf8"));
            return Number(process.hrtime.bigint() - t) / 1e9;
        };
        const plainOff: number[] = [], bigOff: number[] = [], bigOn: number[] = [], plainParse: number[] = [], bigParse: number[] = [];
        for (let i = 0; i < runs; i++) {
            plainParse.push(await parse(plain));
            plainOff.push(await time(plain, false));
            bigParse.push(await parse(big));
            bigOff.push(await time(big, false));
            bigOn.push(await time(big, true));
            process.stderr.write(`bench: 300 KB inputs ${i + 1}/${runs}: without ${plainOff[i].toFixed(2)} s (parse ${plainParse[i].toFixed(2)}), with, off ${bigOff[i].toFixed(2)} s (parse ${bigParse[i].toFixed(2)}), with, on ${bigOn[i].toFixed(2)} s\n`);
        }
        return [
            [`huge run: 80,000 actions, ${Math.round(hugeBytes / 1024 / 1024)} MB of JSON, peak RSS of a fresh build process (median of ${runs})`, `${median(peaks)} MB (target <= 600 MB)`],
            ["huge run: build time", `${median(hugeSeconds).toFixed(2)} s`],
            ["200 runs x 500 actions, no large values: build / JSON.parse of the same logs", `${(median(plainOff) / median(plainParse)).toFixed(2)}x`],
            ["same with a 300 KB input value on 1 action in 50, inputs/outputs off: build / JSON.parse", `${(median(bigOff) / median(bigParse)).toFixed(2)}x`],
            ["same, inputs/outputs on (values cut at 4,096 chars, secrets redacted): build / JSON.parse", `${(median(bigOn) / median(bigParse)).toFixed(2)}x`],
        ];
    } finally {
        await rm(work, { recursive: true, force: true });
    }
}

if (process.argv[2] === "--child") {
    const t = process.hrtime.bigint();
    await runBuild({ out: process.argv[3], full: true });
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    process.stdout.write(JSON.stringify({ peakMb: Math.round(process.resourceUsage().maxRSS / 1024), seconds }));
}
