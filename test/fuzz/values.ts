/**
 * Generated values for fields, query strings and path segments: mostly close to what the schema
 * asks (so the request gets past the first check and reaches the handler), with bad ones mixed in:
 * nulls, wrong types, operator objects, odd unicode, numbers JSON cannot round-trip, huge strings,
 * deep nesting, and ids of real entities (so handlers run on data that exists).
 */
import fc from "fast-check";
import type { JsonSchema } from "./operations";

/** A JSON token written as is (`1e400` parses to Infinity, `-0`, `1.0000000000000001`). */
export class RawJson {
	constructor(readonly text: string) {}
	toJSON() {
		return `<raw ${this.text}>`;
	}
}

/** JSON text of a generated value, RawJson tokens included verbatim. */
export function toJsonText(value: unknown): string {
	if (value instanceof RawJson) return value.text;
	if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
	if (value && typeof value === "object")
		return `{${Object.entries(value)
			.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
			.join(",")}}`;
	return JSON.stringify(value) ?? "null";
}

/** `arb` in `present` of `absent + present` cases, undefined otherwise (fc.option's freq counts the other way). */
export function rarely<T>(arb: fc.Arbitrary<T>, absent: number, present = 1): fc.Arbitrary<T | undefined> {
	return fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: arb, weight: present });
}

/** encodeURIComponent that also writes a lone surrogate (as the UTF-8 bytes a careless encoder would send). */
export function encodeSegment(s: string): string {
	return s.replace(/[\s\S]/gu, ch => (/[\ud800-\udfff]/.test(ch) ? "%ED%A0%80" : encodeURIComponent(ch)));
}

/** Ids of real entities, by the field names that carry them; filled once the stack has data. */
export interface IdPool {
	all: string[];
	/** By field name (productId, orderId, ...). */
	byField: Record<string, string[]>;
	/** By the path segment before an id parameter: "products" for /products/{id}. */
	byResource: Record<string, string[]>;
}

export const UNICODE = [
	"\ud800", // lone high surrogate
	"a\udc00b", // lone low surrogate
	"\u202eevil\u202c", // right-to-left override
	"\u200b\u200c\u200d\u2060\ufeff", // zero-width characters
	"nul\u0000byte",
	"\u0000",
	"שלום مرحبا",
	"e\u0301\u0301\u0301", // combining marks
	"🛒👩‍👩‍👧‍👦",
	"\u00a0\u3000 ",
	"\r\n\t\u000b\u000c\u0085\u2028\u2029",
	"𝕦𝕟𝕚𝕔𝕠𝕕𝕖",
	"İıſK" // case-mapping oddities
];

const STRINGS = [
	"",
	" ",
	"  padded  ",
	"null",
	"undefined",
	"true",
	"0",
	"-1",
	"1e309",
	"NaN",
	"0x10",
	"__proto__",
	"constructor",
	"prototype",
	"toString",
	"hasOwnProperty",
	"$where",
	"$gt",
	"..",
	"../../../etc/passwd",
	"%00",
	"%",
	"' OR '1'='1",
	"'; DROP TABLE products; --",
	"<script>alert(1)</script>",
	"${7*7}{{7*7}}",
	"a".repeat(257),
	// regular-expression and LIKE metacharacters, a catastrophic-backtracking pattern
	"(",
	"[",
	"\\",
	".*",
	"%_%",
	"(a+)+$",
	"a{1000000}",
	// dates a parser may take, or choke on
	"2020-13-45",
	"2020-02-30T25:61:61Z",
	"+275760-09-13T00:00:00.000Z",
	"-271821-04-20T00:00:00Z",
	"1970-01-01",
	"9999999999999",
	"a@b.c\r\nBcc: victim@example.com",
	...UNICODE
];

const OPERATORS: unknown[] = [
	{ $gt: "" },
	{ $ne: null },
	{ $where: "sleep(1000) || true" },
	{ $regex: ".*" },
	{ $in: [] },
	{ $exists: true },
	{ $or: [{}] },
	{ __proto__: { admin: true } },
	JSON.parse('{"__proto__":{"polluted":true}}'),
	{ constructor: { prototype: { polluted: true } } },
	{ toString: "x" }
];

const NUMBERS = [
	0,
	-0,
	-1,
	1.5,
	0.001,
	0.1 + 0.2,
	2 ** 31,
	2 ** 53,
	-(2 ** 53) - 2,
	Number.MAX_SAFE_INTEGER,
	Number.MAX_VALUE,
	Number.MIN_VALUE,
	new RawJson("1e400"),
	new RawJson("-1e400"),
	new RawJson("1.0000000000000001"),
	new RawJson("1E2"),
	new RawJson("-0.0"),
	new RawJson("123456789012345678901234567890")
];

/** Nesting `depth` levels of arrays or objects (written as raw JSON so no recursion builds it). */
export function deepJson(depth: number, kind: "array" | "object"): RawJson {
	return kind === "array"
		? new RawJson("[".repeat(depth) + "]".repeat(depth))
		: new RawJson('{"a":'.repeat(depth) + "1" + "}".repeat(depth));
}

const hugeString = fc.integer({ min: 1_000, max: 60_000 }).map(n => "x".repeat(n));

const weirdString = fc.oneof(
	fc.constantFrom(...STRINGS),
	fc.string({ unit: "binary", maxLength: 40 }),
	fc.array(fc.constantFrom(...UNICODE), { minLength: 1, maxLength: 4 }).map(parts => parts.join("")),
	hugeString
);

/** A value of any kind that is probably wrong where it goes. */
export const badValue: fc.Arbitrary<unknown> = fc.oneof(
	{ arbitrary: fc.constant(null), weight: 4 },
	{ arbitrary: fc.constantFrom(true, false), weight: 1 },
	{ arbitrary: fc.constantFrom(...NUMBERS), weight: 2 },
	{ arbitrary: weirdString, weight: 3 },
	{ arbitrary: fc.constantFrom(...OPERATORS), weight: 3 },
	{ arbitrary: fc.constantFrom<unknown>([], [null], [{}], [[]], {}, [{ $gt: "" }], [{ toString: "x" }]), weight: 2 },
	{ arbitrary: fc.integer({ min: 20, max: 3_000 }).chain(d => fc.constantFrom(deepJson(d, "array"), deepJson(d, "object"))), weight: 1 },
	{ arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 }
);

/** Values useful in a field of this name, whatever its schema says (cards that pay, a real country). */
const HINTS: Record<string, unknown[]> = {
	cardNumber: ["4242424242424242", "4000000000000002", "4000000000009995", "4000000000000119", "4242 4242 4242 4242"],
	expMonth: [12, 1, "12"],
	expYear: [new Date().getFullYear() + 2, "2030"],
	cvc: ["123", 123, "1234"],
	country: ["DE", "de", "FR", "XX"],
	email: ["someone@example.com"],
	password: ["Customer-pass-1"],
	status: ["pending", "confirmed", "paid", "shipped", "delivered", "cancelled", "in_transit", "refunded"],
	currency: ["EUR", "USD", "eur"],
	quantity: [1, 2, 3]
};

/** A value that satisfies `schema` (near enough: patterns and formats are sampled, not exhaustive). */
export function validValue(schema: JsonSchema, pool: IdPool, field = "", depth = 0): fc.Arbitrary<unknown> {
	if (schema.const !== undefined) return fc.constant(schema.const);
	if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
	if (Array.isArray(schema.anyOf)) return fc.oneof(...schema.anyOf.map((s: JsonSchema) => validValue(s, pool, field, depth)));
	const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type;
	const ids = pool.byField[field];
	const hints = HINTS[field];
	const withHints = (arb: fc.Arbitrary<unknown>) => {
		const extra = [...(ids ?? []), ...(hints ?? [])];
		return extra.length ? fc.oneof({ arbitrary: fc.constantFrom(...extra), weight: 9 }, { arbitrary: arb, weight: 1 }) : arb;
	};
	switch (type) {
		case "string": {
			if (schema.format === "email") return withHints(fc.emailAddress());
			if (schema.format === "uuid") return withHints(fc.uuid());
			if (schema.format === "date-time") return fc.date({ noInvalidDate: true }).map(d => d.toISOString());
			if (schema.format === "uri") return fc.webUrl();
			const min = schema.minLength ?? 0;
			const max = Math.min(schema.maxLength ?? 40, 60);
			const base = schema.pattern
				? fc.stringMatching(new RegExp(schema.pattern)).filter(s => s.length >= min && s.length <= (schema.maxLength ?? Infinity))
				: fc
						.string({
							minLength: min,
							maxLength: Math.max(min, max),
							unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789 -.")
						})
						// Plain text that stays as long once trimmed; odd characters come from the mutations.
						.map(t => (t.length ? `a${t.slice(1)}` : t));
			return withHints(base);
		}
		case "integer":
			return withHints(fc.integer({ min: Math.max(schema.minimum ?? -1000, -1e6), max: Math.min(schema.maximum ?? 1000, 1e6) }));
		case "number":
			return withHints(
				fc
					.integer({
						min: Math.max(Math.ceil(schema.minimum ?? schema.exclusiveMinimum ?? -1000), -1e6) * 100,
						max: Math.min(schema.maximum ?? 1000, 1e6) * 100
					})
					.map(cents => cents / 100)
					.filter(n => schema.exclusiveMinimum === undefined || n > schema.exclusiveMinimum)
			);
		case "boolean":
			return fc.boolean();
		case "array": {
			const items = schema.items ? validValue(schema.items, pool, field, depth + 1) : fc.jsonValue({ maxDepth: 1 });
			return fc.array(depth > 3 ? fc.constant(null) : items, {
				minLength: schema.minItems ?? 0,
				maxLength: Math.min(schema.maxItems ?? 4, 4)
			});
		}
		case "object":
			return depth > 3 ? fc.constant({}) : validObject(schema, pool, depth + 1);
		default:
			return withHints(fc.jsonValue({ maxDepth: 2 }));
	}
}

/** Fields the document cannot say are exclusive (exactly one of them), as the handlers want them. */
const ONE_OF = [
	["shippingAddress", "addressId"],
	["delta", "onHand"]
];

/** Every required property and some optional ones, each valid (one of each exclusive pair). */
function validObject(schema: JsonSchema, pool: IdPool, depth: number): fc.Arbitrary<Record<string, unknown>> {
	const props: Record<string, JsonSchema> = schema.properties ?? {};
	const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, validValue(s, pool, k, depth)]));
	const pairs = ONE_OF.filter(pair => pair.every(k => k in props));
	// Untyped fields the handler checks itself (the card's) are sent, with their hints.
	const untyped = Object.keys(props).filter(k => HINTS[k] && Object.keys(props[k]).length === 0);
	const requiredKeys = [...(schema.required ?? []), ...pairs.flat(), ...untyped];
	return fc.tuple(fc.record(model, { requiredKeys }), fc.boolean()).map(([rec, first]) => {
		for (const pair of pairs) delete rec[first ? pair[1] : pair[0]];
		return rec;
	});
}

const EXTRA_KEYS = [
	"__proto__",
	"constructor",
	"$where",
	"$set",
	"id",
	"_id",
	"roles",
	"role",
	"isAdmin",
	"userId",
	"status",
	"total",
	"reserved",
	""
];

type Path = Array<string | number>;

/** Copy that keeps RawJson tokens (structuredClone would make them plain objects). */
function copy(value: unknown): unknown {
	if (value instanceof RawJson || !value || typeof value !== "object") return value;
	if (Array.isArray(value)) return value.map(copy);
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(value)) setKey(out, k, copy(v));
	return out;
}

/** Sets a key as an own property, "__proto__" included. */
function setKey(target: Record<string, unknown>, key: string, value: unknown) {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Paths of every value below the root; and of every object (the root included), where keys can be added. */
function paths(value: unknown, at: Path = [], out = { values: [] as Path[], objects: [] as Path[] }) {
	if (value instanceof RawJson || !value || typeof value !== "object") return out;
	if (!Array.isArray(value)) out.objects.push(at);
	for (const [k, v] of Object.entries(value)) {
		const p = [...at, Array.isArray(value) ? Number(k) : k];
		out.values.push(p);
		paths(v, p, out);
	}
	return out;
}

const get = (root: unknown, p: Path) => p.reduce<any>((v, k) => v?.[k], root);

export interface Mutation {
	/** replace: a bad value; remove: the field; add: an unknown key; text: odd unicode spliced into a string field. */
	kind: "replace" | "remove" | "add" | "text";
	/** Picks the path (modulo the candidates) and, for "add", the key. */
	pick: number;
	value: unknown;
}

/** The value with one field replaced by a bad value, removed, or an unknown key added (nested ones too). */
export function mutate(root: unknown, m: Mutation): unknown {
	const out = copy(root);
	const { values, objects } = paths(out);
	if (m.kind === "add" || values.length === 0) {
		if (!objects.length) return out;
		const target = get(out, objects[m.pick % objects.length]);
		setKey(target, EXTRA_KEYS[m.pick % EXTRA_KEYS.length], m.value);
		return out;
	}
	const strings = values.filter(p => typeof get(out, p) === "string");
	const p = m.kind === "text" && strings.length ? strings[m.pick % strings.length] : values[m.pick % values.length];
	const parent = get(out, p.slice(0, -1));
	const key = p[p.length - 1];
	if (m.kind === "text") {
		// Still a string, so it passes a type check: the odd characters reach the store.
		const text = String(get(out, p));
		const odd = UNICODE[m.pick % UNICODE.length];
		const at = m.pick % (text.length + 1);
		setKey(parent, String(key), text.slice(0, at) + odd + text.slice(at));
	} else if (m.kind === "remove") {
		if (Array.isArray(parent)) parent.splice(Number(key), 1);
		else delete parent[key];
	} else if (Array.isArray(parent)) parent[Number(key)] = m.value;
	else setKey(parent, String(key), m.value);
	return out;
}

// Unbiased: fast-check's small-first bias would pick the first kind (replace) nearly every time.
const mutation = (pool: IdPool): fc.Arbitrary<Mutation> =>
	fc.noBias(
		fc.record({
			kind: fc.constantFrom<Mutation["kind"]>("replace", "replace", "replace", "text", "text", "text", "remove", "add"),
			pick: fc.nat(),
			value: pool.all.length
				? fc.oneof({ arbitrary: badValue, weight: 4 }, { arbitrary: fc.constantFrom(...pool.all), weight: 1 })
				: badValue
		})
	);

/**
 * A body for an object schema: a valid one (every required property, some optional ones), then
 * none, one or two mutations (a field replaced by a bad value or removed, an unknown key added,
 * nested fields included), so most requests get past the first check with one thing wrong.
 */
export function objectValue(schema: JsonSchema, pool: IdPool): fc.Arbitrary<unknown> {
	const mutations = fc.oneof(
		{ arbitrary: fc.constant([]), weight: 4 },
		{ arbitrary: fc.array(mutation(pool), { minLength: 1, maxLength: 1 }), weight: 4 },
		{ arbitrary: fc.array(mutation(pool), { minLength: 2, maxLength: 2 }), weight: 2 }
	);
	return fc.tuple(validObject(schema, pool, 0), mutations).map(([value, ms]) => ms.reduce<unknown>(mutate, value));
}

/** A path segment, already in URL form: a real id, a near-valid value, or something odd. */
export function pathSegment(schema: JsonSchema, pool: IdPool, field: string, resource: string): fc.Arbitrary<string> {
	const own = pool.byResource[resource] ?? pool.byField[field] ?? [];
	return fc.oneof(
		{ arbitrary: own.length ? fc.constantFrom(...own) : fc.uuid(), weight: 6 },
		{ arbitrary: pool.all.length ? fc.constantFrom(...pool.all) : fc.uuid(), weight: 1 },
		{ arbitrary: validValue(schema, pool, field).map(v => encodeSegment(String(v))), weight: 1 },
		{
			arbitrary: fc.constantFrom(
				"..",
				".",
				"%2e%2e",
				"..%2f..%2fetc%2fpasswd",
				"%00",
				"a%00b",
				"%",
				"%zz",
				"%ff%fe",
				"%ed%a0%80", // an encoded lone surrogate
				"null",
				"undefined",
				"__proto__",
				"constructor",
				"%7B%22%24gt%22%3A%22%22%7D", // {"$gt":""}
				"%5B%5D", // []
				"*",
				"me",
				"0",
				"-1",
				";",
				"%20",
				"%E2%80%AE" // RTL override
			),
			weight: 3
		},
		{ arbitrary: weirdString.map(s => encodeSegment(s.slice(0, 500))), weight: 1 },
		{ arbitrary: fc.constantFrom(300, 2_000, 9_000, 20_000).map(n => "1".repeat(n)), weight: 1 }
	);
}

/** A query string (without `?`): declared parameters, mostly valid, with odd encodings of some. */
export function queryString(params: Array<{ name: string; schema: JsonSchema; required?: boolean }>, pool: IdPool): fc.Arbitrary<string> {
	const pair = (name: string, schema: JsonSchema) =>
		fc.oneof(
			{ arbitrary: validValue(schema, pool, name).map(v => [`${name}=${encodeSegment(String(v))}`]), weight: 10 },
			{
				arbitrary: badValue.map(v => [
					`${name}=${encodeSegment(typeof v === "string" ? v.slice(0, 2000) : toJsonText(v).slice(0, 2000))}`
				]),
				weight: 1
			},
			{
				arbitrary: fc.constantFrom(
					[`${name}=1`, `${name}=2`],
					[`${name}[]=1`],
					[`${name}[$gt]=`],
					[`${name}[$ne]=x`],
					[`${name}[a][b][c]=1`],
					[`${name}[0]=1&${name}[5]=2`],
					[`${name}=%00`],
					[`${name}=%`],
					[`${name}=%zz`],
					[`${name}=%ed%a0%80`],
					[`${name}=..`],
					[`${name}`],
					[`${name}=`],
					[`${name}=${"9".repeat(400)}`]
				),
				weight: 2
			}
		);
	const declared = params.map(p => rarely(pair(p.name, p.schema), 1, p.required ? 6 : 1));
	const extra = rarely(
		fc.constantFrom(
			"__proto__[polluted]=1",
			"constructor[prototype][polluted]=1",
			"$where=1",
			"unknown=1",
			`${"a".repeat(100)}=1`,
			"a[b][c][d][e][f][g][h][i][j][k][l]=1",
			Array.from({ length: 30 }, (_, i) => `k${i}=${i}`).join("&")
		),
		10
	);
	return fc
		.tuple(fc.tuple(...declared), extra)
		.map(([parts, more]) => [...parts.filter((p): p is string[] => p !== undefined).flat(), ...(more ? [more] : [])].join("&"));
}
