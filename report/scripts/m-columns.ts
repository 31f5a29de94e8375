/**
 * Reads the report kit's Power Query files with Microsoft's own parser (@microsoft/powerquery-parser) and returns
 * what they declare: the column types each table query sets with Table.TransformColumnTypes.
 * Used by the report tests and by anything that compares the Power BI side with real Parquet output.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import * as PQP from "@microsoft/powerquery-parser";
import { POWERQUERY_DIR } from "./generate-report.js";

/** A parsed AST node: only the fields this module reads (the parser's own types are a deep union). */
interface Node {
    kind: string;
    [field: string]: unknown;
}

export type ParseResult = { ok: true; ast: Node } | { ok: false; error: string };

/** Lexes and parses one M document. */
export async function parseM(text: string): Promise<ParseResult> {
    const task = await PQP.TaskUtils.tryLexParse(PQP.DefaultSettings, text);
    if (PQP.TaskUtils.isOk(task) && PQP.TaskUtils.isParseStageOk(task)) return { ok: true, ast: task.ast as unknown as Node };
    return { ok: false, error: PQP.TaskUtils.isError(task) ? task.error.message : "parse did not complete" };
}

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && typeof (v as Node).kind === "string";

function children(n: Node): Node[] {
    const out: Node[] = [];
    for (const [key, value] of Object.entries(n)) {
        if (key === "parent") continue;
        if (Array.isArray(value)) out.push(...value.filter(isNode));
        else if (isNode(value)) out.push(value);
    }
    return out;
}

function* walk(n: Node): Generator<Node> {
    yield n;
    for (const c of children(n)) yield* walk(c);
}

/** The elements of a ListExpression / InvokeExpression content (ArrayWrapper of Csv). */
function items(n: Node): Node[] {
    const content = n.content as Node | undefined;
    const elements = (content?.elements ?? []) as Node[];
    return elements.map((csv) => csv.node as Node);
}

/** An identifier's text, or undefined when n is not a plain identifier expression. */
function identifierOf(n: Node): string | undefined {
    if (n.kind !== "IdentifierExpression") return undefined;
    return (n.identifier as { literal: string }).literal;
}

/** Source text of a type expression from its leaves: `type text`, `Int64.Type`, `type nullable number`... */
function typeText(n: Node): string {
    const leaves = [...walk(n)].filter((x) => x.isLeaf);
    return leaves.map((x) => (x.literal ?? x.constantKind ?? x.primitiveTypeKind) as string).join(" ");
}

function textLiteral(n: Node): string {
    if (n.kind !== "LiteralExpression" || n.literalKind !== "Text") throw new Error(`expected a text literal, found ${n.kind}`);
    return (n.literal as string).slice(1, -1).replace(/""/g, '"');
}

/** Name of the function an InvokeExpression's recursive primary expression calls, e.g. Table.TransformColumnTypes. */
function invocations(ast: Node): { fn: string; args: Node[] }[] {
    const out: { fn: string; args: Node[] }[] = [];
    for (const n of walk(ast)) {
        if (n.kind !== "RecursivePrimaryExpression") continue;
        const fn = identifierOf(n.head as Node);
        const first = ((n.recursiveExpressions as Node).elements as Node[])[0];
        if (fn && first?.kind === "InvokeExpression") out.push({ fn, args: items(first) });
    }
    return out;
}

/** Let-bound variables of every let expression in the document: name -> value. */
function letBindings(ast: Node): Map<string, Node> {
    const out = new Map<string, Node>();
    for (const n of walk(ast)) {
        if (n.kind !== "LetExpression") continue;
        for (const csv of (n.variableList as Node).elements as Node[]) {
            const pair = csv.node as Node;
            out.set((pair.key as { literal: string }).literal, pair.value as Node);
        }
    }
    return out;
}

/**
 * The {column: mType} a query declares in its Table.TransformColumnTypes call (the list may be inline or a
 * let-bound name), in declaration order. Throws when the query has no such call.
 */
export function declaredColumnTypes(ast: Node): Record<string, string> {
    const call = invocations(ast).find((c) => c.fn === "Table.TransformColumnTypes");
    if (!call) throw new Error("no Table.TransformColumnTypes call");
    let list = call.args[1];
    const name = identifierOf(list);
    if (name) {
        const bound = letBindings(ast).get(name);
        if (!bound) throw new Error(`Table.TransformColumnTypes uses ${name}, which the query does not define`);
        list = bound;
    }
    if (list.kind !== "ListExpression") throw new Error(`expected a list of {column, type} pairs, found ${list.kind}`);
    const out: Record<string, string> = {};
    for (const pair of items(list)) {
        const [column, type] = items(pair);
        out[textLiteral(column)] = typeText(type);
    }
    return out;
}

/** The Parquet table a query reads: the first argument of its PadlensParquetTable call. */
export function sourceTable(ast: Node): string {
    const call = invocations(ast).find((c) => c.fn === "PadlensParquetTable");
    if (!call) throw new Error("no PadlensParquetTable call");
    return textLiteral(call.args[0]);
}

/** Columns a query adds with Table.AddColumn (the relationship keys): name -> declared type. */
export function addedColumns(ast: Node): Record<string, string> {
    const out: Record<string, string> = {};
    for (const call of invocations(ast).filter((c) => c.fn === "Table.AddColumn")) {
        if (call.args[1]?.kind !== "LiteralExpression") continue;
        out[textLiteral(call.args[1])] = call.args[3] ? typeText(call.args[3]) : "any";
    }
    return out;
}

export interface MQuery {
    file: string;
    query: string;
    text: string;
}

/** Every .pq file of the kit. */
export function readQueries(dir: string = POWERQUERY_DIR): MQuery[] {
    return readdirSync(dir)
        .filter((f) => f.endsWith(".pq"))
        .sort()
        .map((file) => ({ file, query: path.basename(file, ".pq"), text: readFileSync(path.join(dir, file), "utf8") }));
}

/**
 * What the Power Query kit declares, keyed by Parquet table name (runs, actions, action_hourly, ...):
 * { table: { column: mType } }, mType as written in M (`type text`, `Int64.Type`, `type datetimezone`...).
 * Only the Table.TransformColumnTypes columns (the Parquet contract), not the added relationship keys.
 */
export async function mDeclaredColumnTypes(dir: string = POWERQUERY_DIR): Promise<Record<string, Record<string, string>>> {
    const out: Record<string, Record<string, string>> = {};
    for (const q of readQueries(dir)) {
        const parsed = await parseM(q.text);
        if (!parsed.ok) throw new Error(`${q.file}: ${parsed.error}`);
        if (!invocations(parsed.ast).some((c) => c.fn === "PadlensParquetTable")) continue;
        out[sourceTable(parsed.ast)] = declaredColumnTypes(parsed.ast);
    }
    return out;
}

/**
 * Plain (undotted) names a document uses but never binds: not a let/record key, not a function parameter, not `_`.
 * In a query these must be other queries (PadlensFolder, PadlensParquetTable...): anything else is a typo that
 * Power BI would only report at refresh. Library functions (Table.AddColumn) and #keywords are not checked.
 */
export function unboundNames(ast: Node): string[] {
    const bound = new Set<string>(["_"]);
    const used = new Set<string>();
    for (const n of walk(ast)) {
        if (n.kind === "Identifier" && (n.identifierContextKind === "Key" || n.identifierContextKind === "Parameter")) {
            bound.add(n.literal as string);
        }
        if (n.kind === "IdentifierExpression") used.add(identifierOf(n) as string);
    }
    return [...used].filter((name) => !bound.has(name) && !name.includes(".") && !name.startsWith("#")).sort();
}
