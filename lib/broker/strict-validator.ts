/**
 * fastest-validator that refuses unknown fields: every object schema is strict unless it says
 * otherwise, so a typo or an injected field ("roles" on register) is a 422, not silently kept.
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

export class StrictValidator extends Validators.Fastest {
	override compile(schema: Schema) {
		return super.compile(strictSchema(schema));
	}
}
