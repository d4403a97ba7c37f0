/**
 * node:sqlite without its start-up notice. Node 22 prints "SQLite is an experimental feature" once per
 * process when the module loads; the embedded store relies on it deliberately (docs/architecture.md),
 * so that line would only be noise in every start and every test worker. Other warnings pass.
 */
import type * as Sqlite from "node:sqlite";

function loadQuietly(): typeof Sqlite {
	const emitWarning = process.emitWarning;
	process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
		if (String(warning).includes("SQLite is an experimental feature")) return;
		(emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
	}) as typeof process.emitWarning;
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		return require("node:sqlite") as typeof Sqlite;
	} finally {
		process.emitWarning = emitWarning;
	}
}

export const { DatabaseSync } = loadQuietly();
export type DatabaseSync = Sqlite.DatabaseSync;
export type StatementSync = Sqlite.StatementSync;
export type SQLInputValue = Sqlite.SQLInputValue;
export type SQLOutputValue = Sqlite.SQLOutputValue;

/** A statement with setReturnArrays(true): each row an array of column values (the types know only objects). */
export interface ArrayRowStatement {
	get(...params: SQLInputValue[]): SQLOutputValue[] | undefined;
	all(...params: SQLInputValue[]): SQLOutputValue[][];
}
