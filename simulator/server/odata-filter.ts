import { badQuery } from "./odata-errors.js";
import type { DataverseRow } from "../sample/model.js";

/**
 * `$filter` as Dataverse takes it: comparisons (eq ne gt ge lt le) between a column and a literal,
 * combined with and / or / not and parentheses. Literals: 'string' ('' escapes a quote), bare GUIDs,
 * numbers, ISO-8601 datetimes, null, true, false. Parsed once into a predicate over rows.
 */
export type Predicate = (row: DataverseRow) => boolean;

type Literal = { kind: "string" | "guid" | "number" | "datetime" | "null" | "boolean"; value: string | number | boolean | null };
type Token = { type: "ident" | "literal" | "lparen" | "rparen" | "comma"; text: string; literal?: Literal; pos: number };

const COMPARISONS = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Edm type of a column, when known: comparisons with a literal of another type are refused, as OData does. */
export type EdmType = "Edm.Guid" | "Edm.Int32" | "Edm.Int64" | "Edm.Double" | "Edm.DateTimeOffset" | "Edm.String" | "Edm.Boolean";

const OPERATOR_KIND: Record<string, string> = { eq: "Equal", ne: "NotEqual", gt: "GreaterThan", ge: "GreaterThanOrEqual", lt: "LessThan", le: "LessThanOrEqual" };
const LITERAL_TYPE: Record<Literal["kind"], EdmType | undefined> = {
    string: "Edm.String", guid: "Edm.Guid", number: "Edm.Int32", datetime: "Edm.DateTimeOffset", boolean: "Edm.Boolean", null: undefined,
};
const COMPATIBLE: Record<EdmType, Array<Literal["kind"]>> = {
    "Edm.Guid": ["guid"],
    "Edm.Int32": ["number"],
    "Edm.Int64": ["number"],
    "Edm.Double": ["number"],
    "Edm.DateTimeOffset": ["datetime"],
    "Edm.String": ["string"],
    "Edm.Boolean": ["boolean"],
};

export function parseFilter(text: string, isColumn: (name: string) => boolean, entity: string, typeOf: (name: string) => EdmType | undefined = () => undefined): Predicate {
    const tokens = tokenize(text);
    let i = 0;
    const syntax = (pos: number): never => {
        throw badQuery(`Syntax error at position ${pos} in '${text}'.`);
    };
    const peek = (): Token | undefined => tokens[i];
    const isKeyword = (word: string): boolean => peek()?.type === "ident" && peek()!.text.toLowerCase() === word;

    const parseOr = (): Predicate => {
        let left = parseAnd();
        while (isKeyword("or")) {
            i++;
            const a = left;
            const b = parseAnd();
            left = (row) => a(row) || b(row);
        }
        return left;
    };
    const parseAnd = (): Predicate => {
        let left = parseUnary();
        while (isKeyword("and")) {
            i++;
            const a = left;
            const b = parseUnary();
            left = (row) => a(row) && b(row);
        }
        return left;
    };
    const parseUnary = (): Predicate => {
        if (isKeyword("not")) {
            i++;
            const inner = parseUnary();
            return (row) => !inner(row);
        }
        const token = peek();
        if (!token) return syntax(text.length);
        if (token.type === "lparen") {
            i++;
            const inner = parseOr();
            if (peek()?.type !== "rparen") syntax(peek()?.pos ?? text.length);
            i++;
            return inner;
        }
        if (token.type !== "ident") return syntax(token.pos);
        if (peek()?.type === "ident" && tokens[i + 1]?.type === "lparen") return parseFunction();
        i++;
        const column = token.text;
        if (!isColumn(column)) {
            throw badQuery(`Could not find a property named '${column}' on type 'Microsoft.Dynamics.CRM.${entity}'.`);
        }
        const op = peek();
        if (!op || op.type !== "ident" || !COMPARISONS.has(op.text)) return syntax(op?.pos ?? text.length);
        i++;
        const lit = peek();
        if (!lit || lit.type !== "literal") return syntax(lit?.pos ?? text.length);
        i++;
        const type = typeOf(column);
        if (type && lit.literal!.kind !== "null" && !COMPATIBLE[type].includes(lit.literal!.kind)) {
            throw badQuery(`A binary operator with incompatible types was detected. Found operand types '${type}' and '${LITERAL_TYPE[lit.literal!.kind]}' for operator kind '${OPERATOR_KIND[op.text]}'.`);
        }
        return comparison(column, op.text, lit.literal!);
    };
    // contains / startswith / endswith(column, 'text'): cheap and handy for people exploring by hand.
    const parseFunction = (): Predicate => {
        const name = tokens[i].text.toLowerCase();
        const pos = tokens[i].pos;
        if (!["contains", "startswith", "endswith"].includes(name)) {
            throw badQuery(`An unknown function with name '${tokens[i].text}' was found.`);
        }
        i += 2;
        const col = peek();
        if (col?.type !== "ident") return syntax(col?.pos ?? pos);
        if (!isColumn(col.text)) throw badQuery(`Could not find a property named '${col.text}' on type 'Microsoft.Dynamics.CRM.${entity}'.`);
        i++;
        if (peek()?.type !== "comma") syntax(peek()?.pos ?? text.length);
        i++;
        const lit = peek();
        if (lit?.type !== "literal" || lit.literal!.kind !== "string") return syntax(lit?.pos ?? text.length);
        i++;
        if (peek()?.type !== "rparen") syntax(peek()?.pos ?? text.length);
        i++;
        const needle = String(lit.literal!.value).toLowerCase();
        return (row) => {
            const v = row[col.text];
            if (typeof v !== "string") return false;
            const hay = v.toLowerCase();
            return name === "contains" ? hay.includes(needle) : name === "startswith" ? hay.startsWith(needle) : hay.endsWith(needle);
        };
    };

    const result = parseOr();
    if (i < tokens.length) syntax(tokens[i].pos);
    return result;
}

function comparison(column: string, op: string, literal: Literal): Predicate {
    return (row) => {
        const value = row[column] ?? null;
        if (literal.kind === "null" || value === null) {
            const bothNull = value === null && literal.kind === "null";
            if (op === "eq") return bothNull;
            if (op === "ne") return !bothNull;
            return false;
        }
        const order = compareValues(value, literal);
        switch (op) {
            case "eq": return order === 0;
            case "ne": return order !== 0;
            case "gt": return order > 0;
            case "ge": return order >= 0;
            case "lt": return order < 0;
            default: return order <= 0;
        }
    };
}

function compareValues(value: string | number | boolean, literal: Literal): number {
    switch (literal.kind) {
        case "datetime": {
            const a = Date.parse(String(value));
            return Math.sign(a - (literal.value as number));
        }
        case "number":
            return Math.sign(Number(value) - (literal.value as number));
        case "boolean":
            return value === literal.value ? 0 : 1;
        default: {
            // Dataverse compares strings and GUIDs case-insensitively.
            const a = String(value).toLowerCase();
            const b = String(literal.value).toLowerCase();
            return a < b ? -1 : a > b ? 1 : 0;
        }
    }
}

/** Compares two column values for `$orderby` (nulls first, as SQL Server does ascending). */
export function compareColumn(a: unknown, b: unknown): number {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    const sa = String(a).toLowerCase();
    const sb = String(b).toLowerCase();
    return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let pos = 0;
    while (pos < text.length) {
        const rest = text.slice(pos);
        const ch = text[pos];
        if (/\s/.test(ch)) {
            pos++;
            continue;
        }
        if (ch === "(" || ch === ")" || ch === ",") {
            tokens.push({ type: ch === "(" ? "lparen" : ch === ")" ? "rparen" : "comma", text: ch, pos });
            pos++;
            continue;
        }
        if (ch === "'") {
            let value = "";
            let j = pos + 1;
            for (;;) {
                if (j >= text.length) throw badQuery(`There is an unterminated string literal at position ${pos} in '${text}'.`);
                if (text[j] === "'") {
                    if (text[j + 1] === "'") {
                        value += "'";
                        j += 2;
                        continue;
                    }
                    break;
                }
                value += text[j++];
            }
            tokens.push({ type: "literal", text: text.slice(pos, j + 1), literal: { kind: "string", value }, pos });
            pos = j + 1;
            continue;
        }
        const guid = GUID.exec(rest);
        if (guid && !/[0-9A-Za-z]/.test(rest[guid[0].length] ?? "")) {
            tokens.push({ type: "literal", text: guid[0], literal: { kind: "guid", value: guid[0].toLowerCase() }, pos });
            pos += guid[0].length;
            continue;
        }
        const datetime = DATETIME.exec(rest);
        if (datetime && datetime[0].length > 4 && rest[4] === "-") {
            const ms = Date.parse(datetime[0]);
            if (Number.isNaN(ms)) throw badQuery(`Syntax error at position ${pos} in '${text}'.`);
            tokens.push({ type: "literal", text: datetime[0], literal: { kind: "datetime", value: ms }, pos });
            pos += datetime[0].length;
            continue;
        }
        const number = NUMBER.exec(rest);
        if (number) {
            tokens.push({ type: "literal", text: number[0], literal: { kind: "number", value: Number(number[0]) }, pos });
            pos += number[0].length;
            continue;
        }
        const ident = IDENT.exec(rest);
        if (ident) {
            const word = ident[0];
            const lower = word.toLowerCase();
            if (lower === "null") tokens.push({ type: "literal", text: word, literal: { kind: "null", value: null }, pos });
            else if (lower === "true" || lower === "false") tokens.push({ type: "literal", text: word, literal: { kind: "boolean", value: lower === "true" }, pos });
            else tokens.push({ type: "ident", text: word, pos });
            pos += word.length;
            continue;
        }
        throw badQuery(`Syntax error: character '${ch}' is not valid at position ${pos} in '${text}'.`);
    }
    return tokens;
}
