import { describe, expect, it } from "vitest";
import { logsCheck } from "../../../pipeline/cli/commands/doctor.js";
import { decodeOptionsOf, parseConfig } from "../../../pipeline/config/config.js";

const env = { name: "prod", url: "https://contoso.crm4.dynamics.com", tenantId: "t", clientId: "c", clientSecret: "s" };

describe("config logs: inputs/outputs, redaction, size ceiling", () => {
    it("defaults: inputs/outputs off, the default redaction list, a 512 MB ceiling; doctor says nothing is stored", () => {
        const config = parseConfig({ environments: [env] }, "/tmp");
        expect(decodeOptionsOf(config.logs)).toEqual({ includeInputsOutputs: false, redact: ["password", "secret", "token", "credential", "key"], maxLogBytes: 512 * 1024 * 1024, maxValueChars: 4096 });
        const check = logsCheck(config);
        expect(check.warning).toBeUndefined();
        expect(check.detail).toContain("are not stored");
    });

    it("turned on, doctor warns what is stored and what is redacted; redaction fragments are matched case-insensitively", () => {
        const config = parseConfig({ environments: [env], logs: { includeInputsOutputs: true, redact: ["IBAN", "Password"], maxLogMegabytes: 64 } }, "/tmp");
        expect(decodeOptionsOf(config.logs)).toEqual({ includeInputsOutputs: true, redact: ["iban", "password"], maxLogBytes: 64 * 1024 * 1024, maxValueChars: 4096 });
        const check = logsCheck(config);
        expect(check).toMatchObject({ ok: true, warning: true });
        expect(check.detail).toContain("ARE stored in actions.inputs_json/outputs_json");
        expect(check.detail).toContain("IBAN, Password become ***");
    });

    it("rejects a bad ceiling or redaction entry, naming the key", () => {
        expect(() => parseConfig({ environments: [env], logs: { maxLogMegabytes: 0 } }, "/tmp")).toThrow(/logs\.maxLogMegabytes/);
        expect(() => parseConfig({ environments: [env], logs: { redact: [""] } }, "/tmp")).toThrow(/logs\.redact\[0\]/);
    });
});
