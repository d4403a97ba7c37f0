/** Translates the neutral filter, sort and update into SQLite SQL with positional parameters. */
import type { Comparison, Condition, FieldSpec, Filter, SortSpec, Update } from "./types";

export type SqlValue = string | number | null;

export function quote(name: string): string {
	if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Invalid field name "${name}"`);
	return `"${name}"`;
}

/** A value as SQLite stores it for a field of this type. */
export function toSql(value: unknown, spec: FieldSpec | undefined): SqlValue {
	if (value === undefined || value === null) return null;
	if (spec?.type === "json") return JSON.stringify(value);
	if (typeof value === "boolean") return value ? 1 : 0;
	if (value instanceof Date) return value.toISOString();
	if (typeof value === "number" || typeof value === "string") return value;
	return JSON.stringify(value);
}

export class SqlBuilder {
	constructor(private readonly fields: Record<string, FieldSpec>) {}

	/** A WHERE clause (without the keyword; "1" when empty), appending its parameters to `params`. */
	where(filter: Filter | undefined, params: SqlValue[]): string {
		if (!filter) return "1";
		const parts: string[] = [];
		for (const [field, value] of Object.entries(filter)) {
			if (value === undefined) continue;
			if (field === "$or") {
				const alternatives = (value as Filter[]).map(f => `(${this.where(f, params)})`);
				parts.push(alternatives.length ? `(${alternatives.join(" OR ")})` : "0");
				continue;
			}
			parts.push(this.condition(field, value as Condition, params));
		}
		return parts.length ? parts.join(" AND ") : "1";
	}

	orderBy(sort: SortSpec | undefined): string {
		if (!sort?.length) return "";
		return ` ORDER BY ${sort.map(([f, d]) => `${quote(f)} ${d === "desc" ? "DESC" : "ASC"}`).join(", ")}`;
	}

	/** The SET list of an UPDATE; increments start from 0 on a missing value, as on MongoDB. */
	set(update: Update, params: SqlValue[]): string {
		const parts: string[] = [];
		for (const [field, value] of Object.entries(update.set ?? {})) {
			this.known(field);
			parts.push(`${quote(field)} = ?`);
			params.push(toSql(value, this.fields[field]));
		}
		for (const [field, by] of Object.entries(update.inc ?? {})) {
			this.known(field);
			if (!Number.isFinite(by)) throw new Error(`Cannot increment ${field} by ${by}`);
			parts.push(`${quote(field)} = COALESCE(${quote(field)}, 0) + ?`);
			params.push(by);
		}
		return parts.join(", ");
	}

	private known(field: string): void {
		if (!(field in this.fields)) throw new Error(`Unknown field "${field}"`);
	}

	private column(field: string): string {
		if (field !== "id") this.known(field);
		return quote(field);
	}

	private condition(field: string, c: Condition, params: SqlValue[]): string {
		const col = this.column(field);
		const spec = this.fields[field];
		if (c === null || typeof c !== "object") return this.equals(col, c, spec, params);
		const cmp = c as Comparison;
		const parts: string[] = [];
		if ("eq" in cmp) parts.push(this.equals(col, cmp.eq ?? null, spec, params));
		if ("ne" in cmp) {
			if (cmp.ne === null || cmp.ne === undefined) parts.push(`${col} IS NOT NULL`);
			// MongoDB's $ne also matches a missing value.
			else {
				parts.push(`(${col} IS NULL OR ${col} <> ?)`);
				params.push(toSql(cmp.ne, spec));
			}
		}
		for (const [op, key] of [
			[">", "gt"],
			[">=", "gte"],
			["<", "lt"],
			["<=", "lte"]
		] as const) {
			if (cmp[key] === undefined) continue;
			parts.push(`${col} ${op} ?`);
			params.push(toSql(cmp[key], spec));
		}
		if (cmp.in !== undefined) {
			const values = cmp.in.filter(v => v !== null);
			const alternatives: string[] = [];
			if (values.length) {
				alternatives.push(`${col} IN (${values.map(() => "?").join(", ")})`);
				for (const v of values) params.push(toSql(v, spec));
			}
			if (values.length < cmp.in.length) alternatives.push(`${col} IS NULL`);
			parts.push(alternatives.length ? `(${alternatives.join(" OR ")})` : "0");
		}
		if (cmp.contains !== undefined) {
			parts.push(`shop_contains(${col}, ?)`);
			params.push(cmp.contains);
		}
		return parts.length ? parts.join(" AND ") : "1";
	}

	private equals(col: string, value: unknown, spec: FieldSpec | undefined, params: SqlValue[]): string {
		if (value === null || value === undefined) return `${col} IS NULL`;
		params.push(toSql(value, spec));
		return `${col} = ?`;
	}
}
