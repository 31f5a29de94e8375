/** Errors the simulated Web API answers with, in Dataverse's `{"error":{"code","message"}}` shape. */
export class ODataError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
    }

    body(): string {
        return JSON.stringify({ error: { code: this.code, message: this.message } });
    }
}

/** Dataverse's generic code for a request it cannot parse or resolve. */
export const QUERY_ERROR = "0x80060888";

export const badQuery = (message: string): ODataError => new ODataError(400, QUERY_ERROR, message);
export const notFound = (message: string): ODataError => new ODataError(404, QUERY_ERROR, message);
