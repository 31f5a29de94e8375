import type { DataverseRow, SampleEnvironment } from "../sample/model.js";

/**
 * The `hostileIds` option: every environment also lists flowsessions whose ids are not GUIDs but paths,
 * URL fragments and query text, as a compromised or buggy server could send. A client that puts them
 * into file paths or URLs walks out of its output folder or off the Web API with its token; padlens must
 * skip them. The `../../../../` ids climb from `<out>/raw/<env>/<runs|v1|v2>/<xx>/` to the folder two
 * levels above `<out>` (`<out>/../../outside/`): the hostile-ids test plants sentinels there.
 */
export const HOSTILE_RUNS: ReadonlyArray<{ id: string | null; logs: boolean }> = [
    // Unfinished runs (no log requests) come first in modifiedon order: an unguarded client stores them
    // before anything else can fail, writing `<id>.json` and deleting `<id>.gz`/`<id>.jsonl.gz` outside.
    { id: "../../../../outside/PWNED", logs: false },
    { id: "abc/../../x", logs: false },
    { id: "C:\\Windows\\Temp\\padlens-PWNED", logs: false },
    { id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301#x", logs: false },
    { id: "\u001b]0;pwned\u0007\r\nfailed: forged line", logs: false },
    { id: "", logs: false },
    { id: "../../../../outside/WITHLOGS", logs: true },
    { id: "..\\..\\..\\..\\outside\\evil", logs: true },
    { id: "/tmp/padlens-hostile/PWNED", logs: true },
    { id: "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2foutside%2fENCODED", logs: true },
    { id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301?$select=name", logs: true },
    { id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301)/flowsession_flowlog_parentobjectid?$filter=type eq 1", logs: true },
    // Not a string at all; also the last row listed, so the watermark has to move past a bad row.
    { id: null, logs: true },
];

const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

/**
 * The environment as served with the hostile rows added. Derived per request rather than stored, so
 * the generator's data (and `advance`) stay untouched. Hostile rows sit between the real ones in
 * modifiedon order (one second after a real run) and the last one after every real run; those with
 * `logs` are finished, cloud-started runs a client would ask logs for, and the server has logs for them.
 */
export function withHostileRows(env: SampleEnvironment): SampleEnvironment {
    const real = env.flowsessions;
    const times = real.map((r) => Date.parse(String(r.modifiedon))).filter(Number.isFinite).sort((a, b) => a - b);
    if (times.length === 0) return env;
    const template = real[0];
    const rows: DataverseRow[] = HOSTILE_RUNS.map((h, k) => {
        const last = k === HOSTILE_RUNS.length - 1;
        const at = last ? times[times.length - 1] + 60_000 : times[Math.floor(((k + 1) * times.length) / HOSTILE_RUNS.length)] + 1000;
        return {
            ...template, flowsessionid: h.id, name: `hostile ${k}`, createdon: iso(at - 30_000), startedon: iso(at - 30_000),
            completedon: h.logs ? iso(at) : null, modifiedon: iso(at), statuscode: h.logs ? 8 : 2, triggertype: 0,
        };
    });
    const hostileLog = (id: string): boolean => HOSTILE_RUNS.some((h) => h.logs && h.id !== null && h.id.toLowerCase() === id.toLowerCase());
    return {
        ...env,
        flowsessions: [...real, ...rows],
        additionalContext: (id) => (hostileLog(id) ? Buffer.from(`{"pwned":${JSON.stringify(id)}}`) : env.additionalContext(id)),
        flowLogs: (id) => (hostileLog(id) ? [{ flowlogid: "00000000-0000-4000-8000-00000000dead", _flowsessionid_value: id, type: 100000001, data: "{\"pwned\":true}" }] : env.flowLogs(id)),
    };
}
