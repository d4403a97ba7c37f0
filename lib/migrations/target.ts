/** What the runner needs from one database: a lock across nodes, the record of what ran, and the steps. */
import type { ServiceStep } from "./types";

export interface MigrationTarget {
	/** Waits until no other node migrates this database; calls `onWait` once if it has to wait. */
	lock(timeoutMs: number, onWait: () => void): Promise<void>;
	unlock(): Promise<void>;
	/** Names of the service's migrations already applied here. */
	executed(service: string): Promise<string[]>;
	/** Applies one service's step and records it (in one transaction where the database has them). */
	apply(service: string, name: string, step: ServiceStep): Promise<void>;
	/** Records a migration as applied; recording it twice is harmless. */
	record(service: string, name: string): Promise<void>;
	unrecord(service: string, name: string): Promise<void>;
	close(): Promise<void>;
}

export async function pollUntil(acquire: () => Promise<boolean>, timeoutMs: number, onWait: () => void, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let waited = false;
	while (!(await acquire())) {
		if (Date.now() >= deadline) throw new Error(`${what} still held by another node after ${timeoutMs} ms`);
		if (!waited) onWait();
		waited = true;
		await new Promise(resolve => setTimeout(resolve, 200));
	}
}
