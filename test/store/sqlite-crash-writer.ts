/**
 * Child process of the SIGKILL test (store-contract.test.ts): moves one unit at a time from account
 * "a" to "b" in transactions until it is killed. Each transfer writes both accounts.
 */
import { createStore, type CollectionSpec } from "../../lib/store";

export const CRASH_SPEC: CollectionSpec = {
	name: "accounts",
	fields: { balance: { type: "integer", required: true }, moves: { type: "integer", required: true } }
};

async function main(dir: string): Promise<void> {
	const accounts = createStore<{ id: string; balance: number; moves: number }>(CRASH_SPEC, {
		uri: null,
		dataDir: dir,
		connectTimeoutMs: 1000
	});
	await accounts.connect();
	await accounts.insert({ id: "a", balance: 1_000_000, moves: 0 });
	await accounts.insert({ id: "b", balance: 0, moves: 0 });
	process.stdout.write("writing\n");
	for (;;) {
		await accounts.transaction(async tx => {
			const view = tx.bind(accounts);
			await view.updateById("a", { inc: { balance: -1, moves: 1 } });
			await view.updateById("b", { inc: { balance: 1, moves: 1 } });
		});
	}
}

if (require.main === module) void main(process.argv[2]!);
