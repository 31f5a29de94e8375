import { describe, expect, it } from "vitest";
import { AdaptiveLimiter } from "../../../pipeline/extract/adaptive-limiter.js";
import { describeODataError } from "../../../pipeline/extract/odata-error.js";
import { registerSecret, scrub } from "../../../pipeline/extract/secrets.js";
import { CommittedPrefix } from "../../../pipeline/pull/watermark.js";
import { logPlan, ttlWarnings } from "../../../pipeline/pull/log-plan.js";

describe("extract helpers", () => {
    it("scrub removes registered secrets, bearer tokens, JWTs and form secrets", () => {
        registerSecret("hunter2-very-secret");
        const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJodHRwczovL3gifQ.c2lnbmF0dXJlLXBhcnQ";
        const text = scrub(`secret hunter2-very-secret; Authorization: Bearer abc.def-ghi; token ${jwt}; client_secret=xyz&scope=a`);
        expect(text).toBe("secret ***; Authorization: Bearer ***; token ***; client_secret=***&scope=a");
    });

    it("a 403 becomes one line naming the missing privilege and the role change that fixes it", () => {
        const body = JSON.stringify({ error: { code: "0x80040220", message: "Principal user (Id=1, type=8, roleCount=1, privilegeCount=312, accessMode=4), is missing prvReadflowsession privilege (Id=2) on OTC=10297 for entity 'flowsession'. context.Caller=1. Consider assigning a role with the required access level to the user or team." } });
        expect(describeODataError("prod", 403, body, "flowsessions").message).toBe("prod: missing privilege prvReadflowsession on flowsession — give the app user's security role Read on Flow Session");
        expect(describeODataError("prod", 400, JSON.stringify({ error: { code: "x", message: "Could not find a property named 'foo'.\nmore" } }), "flowsessions").message).toBe("prod: HTTP 400 reading flowsessions: Could not find a property named 'foo'.");
    });

    it("the adaptive limiter halves on 429 and climbs back one step per window of successes", () => {
        const limiter = new AdaptiveLimiter(8, 8);
        limiter.onThrottle();
        limiter.onThrottle();
        expect(limiter.limit).toBe(2);
        for (let i = 0; i < 2; i++) limiter.onSuccess();
        expect(limiter.limit).toBe(3);
        for (let i = 0; i < 100; i++) limiter.onSuccess();
        expect(limiter.limit).toBe(8);
        for (let i = 0; i < 10; i++) limiter.onThrottle();
        expect(limiter.limit).toBe(1);
    });

    it("the watermark only passes the longest committed prefix", () => {
        const prefix = new CommittedPrefix();
        const [a, b, c] = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"].map((m) => prefix.add(m));
        expect(prefix.commit(c)).toBeUndefined();
        expect(prefix.commit(b)).toBeUndefined();
        expect(prefix.commit(a)).toBe("2026-01-03T00:00:00Z");
        expect(prefix.pending).toBe(0);
    });

    it("plans logs from the environment's settings and the run", () => {
        const done = { completedon: "2026-01-01T00:00:00Z", statuscode: 4, triggertype: 0 };
        expect(logPlan({ version: 2, status: 0, ttlMinutes: 0 }, done)).toEqual({ v1: true, v2: true });
        expect(logPlan({ version: 2, status: 0, ttlMinutes: 0 }, { ...done, triggertype: 1 })).toEqual({ v1: true, v2: false });
        expect(logPlan({ version: 1, status: 0, ttlMinutes: 0 }, { completedon: null, statuscode: 2, triggertype: 0 })).toEqual({ v1: false, v2: false });
        expect(logPlan({ version: 1, status: 0, ttlMinutes: 0 }, { completedon: null, statuscode: 8, triggertype: 0 })).toEqual({ v1: false, v2: true });
        expect(logPlan({ version: 2, status: 2, ttlMinutes: 0 }, done)).toEqual({ v1: false, v2: false });
        expect(ttlWarnings("prod", { version: 1, status: 0, ttlMinutes: 60 }, 60, undefined)[0]).toMatch(/^prod: flowlog rows expire after 60 min but pull runs every 60 min/);
        expect(ttlWarnings("prod", { version: 0, status: 0, ttlMinutes: 60 }, 60, undefined)).toEqual([]);
    });
});
