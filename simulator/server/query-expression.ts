import type { DataverseRow } from "../sample/model.js";
import { badQuery } from "./odata-errors.js";

/**
 * The QueryExpression of a BulkDelete QuerySet, as the Web API takes it in JSON (the SDK's
 * QueryExpression/FilterExpression/ConditionExpression with `@odata.type` annotations), turned into a
 * predicate over rows. Only what a bulk deletion of flow sessions needs: And/Or filters nested to any
 * depth, and the comparison, In, Null and "older than" operators on any column of the row.
 */
export interface ConditionValue {
    Value: unknown;
    Type?: string;
}

export interface ConditionExpression {
    AttributeName: string;
    Operator: string;
    Values?: Array<ConditionValue | string | number | boolean | null>;
}

export interface FilterExpression {
    FilterOperator?: "And" | "Or";
    Conditions?: ConditionExpression[];
    Filters?: FilterExpression[];
}

export interface QueryExpression {
    EntityName: string;
    Criteria?: FilterExpression;
}

export type RowPredicate = (row: DataverseRow) => boolean;

const DATE_COLUMNS = new Set(["createdon", "modifiedon", "startedon", "completedon", "overriddencreatedon"]);
const DAY_MS = 86_400_000;

/**
 * Lookup attributes are named without their Web API decoration in a QueryExpression (`regardingobjectid`,
 * `createdby`); rows carry them as `_x_value`. Both spellings are accepted.
 */
function columnOf(attribute: string, known: (column: string) => boolean): string | undefined {
    const name = attribute.toLowerCase();
    if (known(`_${name}_value`)) return `_${name}_value`;
    if (known(name)) return name;
    return undefined;
}

function plain(value: ConditionValue | string | number | boolean | null): unknown {
    return value !== null && typeof value === "object" && "Value" in value ? value.Value : value;
}

/** Compares a row value with a condition value: dates by instant (to the millisecond), numbers numerically, the rest case-insensitively. */
function compare(column: string, a: unknown, b: unknown): number {
    if (DATE_COLUMNS.has(column)) {
        const x = Date.parse(String(a));
        const y = Date.parse(String(b));
        if (Number.isNaN(y)) throw badQuery(`The value '${String(b)}' of a condition on ${column} is not a date and time.`);
        return Math.sign(x - y);
    }
    if (typeof a === "number" || typeof b === "number") return Math.sign(Number(a) - Number(b));
    const x = String(a).toLowerCase();
    const y = String(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
}

/** Months back from an instant, in UTC calendar months (what "Older Than X Months" means in the wizard). */
function monthsBefore(ms: number, months: number): number {
    const d = new Date(ms);
    d.setUTCMonth(d.getUTCMonth() - months);
    return d.getTime();
}

function condition(c: ConditionExpression, entity: string, known: (column: string) => boolean, now: () => number): RowPredicate {
    if (!c || typeof c.AttributeName !== "string" || typeof c.Operator !== "string") throw badQuery("A ConditionExpression needs AttributeName and Operator.");
    const column = columnOf(c.AttributeName, known);
    if (!column) throw badQuery(`'${entity}' entity doesn't contain attribute with Name = '${c.AttributeName}' and NameMapping = 'Logical'.`);
    const values = (c.Values ?? []).map(plain);
    const one = (): unknown => {
        if (values.length !== 1) throw badQuery(`Condition operator '${c.Operator}' on ${c.AttributeName} expects exactly one value, got ${values.length}.`);
        return values[0];
    };
    const present = (row: DataverseRow): boolean => row[column] !== null && row[column] !== undefined;
    const cmp = (test: (order: number) => boolean): RowPredicate => {
        const v = one();
        return (row) => present(row) && test(compare(column, row[column], v));
    };
    switch (c.Operator) {
        case "Equal": return cmp((o) => o === 0);
        case "NotEqual": return cmp((o) => o !== 0);
        case "GreaterThan": return cmp((o) => o > 0);
        case "GreaterEqual": return cmp((o) => o >= 0);
        case "LessThan": return cmp((o) => o < 0);
        case "LessEqual": return cmp((o) => o <= 0);
        case "OnOrBefore": return cmp((o) => o <= 0);
        case "OnOrAfter": return cmp((o) => o >= 0);
        case "In":
        case "NotIn": {
            if (values.length === 0) throw badQuery(`Condition operator '${c.Operator}' on ${c.AttributeName} needs at least one value.`);
            const inSet: RowPredicate = (row) => present(row) && values.some((v) => compare(column, row[column], v) === 0);
            return c.Operator === "In" ? inSet : (row) => present(row) && !inSet(row);
        }
        case "Null": return (row) => !present(row);
        case "NotNull": return present;
        case "OlderThanXDays":
        case "OlderThanXMonths": {
            const n = Number(one());
            if (!Number.isInteger(n) || n < 0) throw badQuery(`Condition operator '${c.Operator}' expects a whole number, got '${String(values[0])}'.`);
            // Evaluated when the job runs, as Dataverse does for recurring jobs.
            return (row) => {
                const limit = c.Operator === "OlderThanXDays" ? now() - n * DAY_MS : monthsBefore(now(), n);
                return present(row) && Date.parse(String(row[column])) < limit;
            };
        }
        default:
            throw badQuery(`The condition operator '${c.Operator}' is not supported by the padlens simulator's BulkDelete.`);
    }
}

export function filterPredicate(f: FilterExpression | undefined, entity: string, known: (column: string) => boolean, now: () => number): RowPredicate {
    if (f === undefined || f === null) return () => true;
    if (typeof f !== "object") throw badQuery("Criteria must be a FilterExpression.");
    const op = f.FilterOperator ?? "And";
    if (op !== "And" && op !== "Or") throw badQuery(`FilterOperator must be And or Or, got '${String(op)}'.`);
    const parts = [
        ...(f.Conditions ?? []).map((c) => condition(c, entity, known, now)),
        ...(f.Filters ?? []).map((child) => filterPredicate(child, entity, known, now)),
    ];
    // An empty filter matches every row, as in Dataverse: a QuerySet without criteria deletes the whole table.
    if (parts.length === 0) return () => true;
    return op === "And" ? (row) => parts.every((p) => p(row)) : (row) => parts.some((p) => p(row));
}

/** A readable FetchXML rendering of the query, as `bulkdeleteoperation.orderedquerysetxml` holds one. */
export function toFetchXml(query: QueryExpression): string {
    const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
    const filter = (f: FilterExpression | undefined): string => {
        if (!f) return "";
        const conditions = (f.Conditions ?? []).map((c) => {
            const values = (c.Values ?? []).map(plain);
            const operator = c.Operator.toLowerCase();
            if (values.length <= 1) return `<condition attribute="${esc(c.AttributeName)}" operator="${esc(operator)}"${values.length ? ` value="${esc(String(values[0]))}"` : ""} />`;
            return `<condition attribute="${esc(c.AttributeName)}" operator="${esc(operator)}">${values.map((v) => `<value>${esc(String(v))}</value>`).join("")}</condition>`;
        });
        return `<filter type="${(f.FilterOperator ?? "And").toLowerCase()}">${conditions.join("")}${(f.Filters ?? []).map(filter).join("")}</filter>`;
    };
    return `<fetch><entity name="${esc(query.EntityName)}">${filter(query.Criteria)}</entity></fetch>`;
}
