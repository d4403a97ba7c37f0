/**
 * Locks the embedded data of the services a broker runs: each local service that keeps data
 * (mixins/db.mixin.ts gives it `stores`) and has no database URI (lib/config.ts serviceDbUri)
 * writes under DATA_DIR/<service>/, and that directory is locked (lib/data-dir-lock.ts).
 * Per service, not the whole DATA_DIR: split nodes on one machine may share a DATA_DIR as long as
 * they run different services. DATA_DIR=":memory:" writes nothing and locks nothing.
 */
import path from "node:path";
import type { ServiceBroker } from "moleculer";
import { loadConfig, serviceDbUri } from "../config";
import { acquireDataDirLock, type DataDirLock } from "../data-dir-lock";

export interface EmbeddedDataLocks {
	/** The directories now held. */
	dirs: string[];
	release(): void;
}

/** DATA_DIR/<service> for each of the broker's local services on the embedded store. */
export function embeddedDataDirs(broker: ServiceBroker): string[] {
	const { dataDir } = loadConfig();
	if (dataDir === path.resolve(":memory:")) return [];
	return broker.services
		.filter(svc => "stores" in svc && svc.stores !== undefined && !serviceDbUri(svc.name))
		.map(svc => path.join(dataDir, svc.name));
}

/** Takes every one of them, or none: throws DataDirLockedError for the first one held elsewhere. */
export function lockEmbeddedData(broker: ServiceBroker): EmbeddedDataLocks {
	const locks: DataDirLock[] = [];
	const release = () => {
		for (const lock of locks.splice(0)) lock.release();
	};
	try {
		for (const dir of embeddedDataDirs(broker)) locks.push(acquireDataDirLock(dir));
	} catch (err) {
		release();
		throw err;
	}
	return { dirs: locks.map(l => l.dir), release };
}
