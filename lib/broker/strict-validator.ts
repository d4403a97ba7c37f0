/**
 * fastest-validator that refuses unknown fields: every object schema is strict unless it says
 * otherwise, so a typo or an injected field ("roles" on register) is a 422, not silently kept.
 *
 * It also refuses null unless a rule says `nullable: true`. fastest-validator lets an `optional`
 * field be null (or turns null into the rule's `default`), so `{"price": null}` on an update got
 * past every schema and reached the handlers; here `optional` means "may be absent" only.
 *
 * And it refuses a string with a NUL character or an unpaired surrogate anywhere: the embedded store
 * (SQLite) cuts text at a NUL and turns a lone surrogate into U+FFFD, so such a value was answered
 * 201 as sent and read back as something else ("a\u0000b" as "a", two order ids as one).
 */
import { Validators } from "moleculer";

type Schema = Record<string, unknown>;

function strictRule(rule: unknown): unknown {
	if (Array.isArray(rule)) return rule.map(strictRule);
	if (!rule || typeof rule !== "object") return rule;
	const r = { ...(rule as Schema) };
	if (r.type === "object" && r.props && typeof r.props === "object") {
		if (r.strict === undefined) r.strict = true;
		r.props = strictProps(r.props as Schema);
	}
	if (r.type === "array" && r.items) r.items = strictRule(r.items);
	return r;
}

function strictProps(props: Schema): Schema {
	const out: Schema = {};
	for (const [key, rule] of Object.entries(props)) out[key] = key.startsWith("$$") ? rule : strictRule(rule);
	return out;
}

export function strictSchema(schema: Schema): Schema {
	const out = strictProps(schema);
	if (out.$$strict === undefined) out.$$strict = true;
	return out;
}

/** The error of a null where the rule does not say `nullable: true`. */
export const NOT_NULL = "notNullable";

/** The error of a string that is not storable text (a NUL, an unpaired surrogate). */
export const NOT_TEXT = "stringText";

interface CompiledRule {
	schema: Schema;
	messages: Record<string, string>;
}

/** The part of fastest-validator's Validator that the null check hooks into (see refuseNullAndUnstorableText). */
interface RuleWrapper {
	wrapRequiredCheckSourceCode(rule: CompiledRule, innerSrc: string, context: unknown, resVar?: string): string;
	makeError(opts: { type: string; actual: string; messages: Record<string, string> }): string;
	addMessage(name: string, message: string): void;
}

/**
 * fastest-validator wraps the code of every rule (nested ones, array items, each rule of a
 * multi-rule too) in a check of undefined and null; a null that the rule does not accept is now
 * an error before that check, which would have let it through, and so is a string that is not
 * storable text.
 */
function refuseNullAndUnstorableText(fv: RuleWrapper) {
	fv.addMessage(NOT_NULL, "The '{field}' field must not be null.");
	fv.addMessage(NOT_TEXT, "The '{field}' field must be text without NUL characters or unpaired surrogates.");
	const wrap = fv.wrapRequiredCheckSourceCode.bind(fv);
	fv.wrapRequiredCheckSourceCode = (rule, innerSrc, context, resVar) => {
		const src = wrap(rule, innerSrc, context, resVar);
		if (rule.schema.type === "forbidden") return src;
		const notText = fv.makeError({ type: NOT_TEXT, actual: "value", messages: rule.messages });
		const textChecked = `if (typeof value === "string" && (!value.isWellFormed() || value.indexOf(String.fromCharCode(0)) !== -1)) { ${notText} } else { ${src} }`;
		if (rule.schema.nullable === true) return textChecked;
		const notNull = fv.makeError({ type: NOT_NULL, actual: "value", messages: rule.messages });
		return `if (value === null) { ${notNull} } else ${textChecked}`;
	};
}

export class StrictValidator extends Validators.Fastest {
	/** fastest-validator's instance, which Validators.Fastest's constructor sets; Moleculer's types leave it out. */
	declare readonly validator: RuleWrapper;

	constructor(opts?: ConstructorParameters<typeof Validators.Fastest>[0]) {
		super(opts);
		refuseNullAndUnstorableText(this.validator);
	}

	override compile(schema: Schema): Checker {
		const check = super.compile(strictSchema(schema));
		const checked = (params: Parameters<Checker>[0], opts?: Parameters<Checker>[1]) => {
			try {
				const res = check(params, opts);
				return check.async ? Promise.resolve(res).catch(err => unreadable(params, err)) : res;
			} catch (err) {
				return unreadable(params, err);
			}
		};
		return Object.assign(checked, { async: check.async });
	}
}

type Checker = ReturnType<Validators.Fastest["compile"]>;

/** The error of a value that cannot be written as text (see unreadable). */
export const NOT_READABLE = "unreadable";

/**
 * fastest-validator writes each failing value into its error message as text. An array holding an
 * object with a `toString` or `valueOf` member that is not a function (`{"email": [{"toString": "x"}]}`)
 * cannot be written so: the TypeError left the check as a 500. Such a value is the caller's error,
 * a 422 naming its field; any other error is rethrown.
 */
function unreadable(params: unknown, err: unknown): boolean {
	const field = err instanceof TypeError ? unreadablePath(params, "") : null;
	if (field === null) throw err;
	const errors = [{ type: NOT_READABLE, field, message: `The '${field}' field holds an object with a 'toString' or 'valueOf' member.` }];
	// A check answers true or its errors; Moleculer's types know only the boolean.
	return errors as unknown as boolean;
}

/** The path (as fastest-validator names fields) of the outermost array that String() cannot convert. */
function unreadablePath(value: unknown, path: string): string | null {
	if (!value || typeof value !== "object") return null;
	if (Array.isArray(value)) {
		try {
			String(value);
		} catch {
			return path;
		}
		for (const [i, item] of value.entries()) {
			const found = unreadablePath(item, `${path}[${i}]`);
			if (found !== null) return found;
		}
		return null;
	}
	for (const [key, item] of Object.entries(value)) {
		const found = unreadablePath(item, path ? `${path}.${key}` : key);
		if (found !== null) return found;
	}
	return null;
}
