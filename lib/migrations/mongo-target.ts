/**
 * Migrations on MongoDB: the record is the collection schema_migrations (one document per service
 * and migration); the lock is one document in schema_migrations_lock that a node inserts (the
 * unique _id lets one node win) and deletes when done, taken over once older than the lock timeout
 * in case its node died. Index creation is idempotent, so a step run again changes nothing.
 */
import { randomUUID } from "node:crypto";
import type { Connection } from "mongoose";
import { pollUntil, type MigrationTarget } from "./target";
import type { ServiceStep } from "./types";

type LockDoc = { _id: string; holder: string; expiresAt: number };
type RecordDoc = { _id: string; service: string; name: string; appliedAt: Date };

/** MongoDB's code for a missing index (dropIndex of one already gone). */
const INDEX_NOT_FOUND = 27;

export async function openMongoTarget(uri: string, connectTimeoutMs: number): Promise<MigrationTarget> {
	// Loaded only for a MongoDB URI: Mongoose is heavy and most databases are not MongoDB.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mongoose = require("mongoose") as typeof import("mongoose");
	const conn: Connection = await mongoose
		.createConnection(uri, { serverSelectionTimeoutMS: connectTimeoutMs, connectTimeoutMS: connectTimeoutMs })
		.asPromise();
	const db = conn.db!;
	const locks = db.collection<LockDoc>("schema_migrations_lock");
	const records = db.collection<RecordDoc>("schema_migrations");
	const holder = randomUUID();

	const record = async (service: string, name: string) => {
		await records.updateOne(
			{ _id: `${service}:${name}` },
			{ $setOnInsert: { service, name, appliedAt: new Date() } },
			{ upsert: true }
		);
	};

	return {
		async lock(timeoutMs, onWait) {
			const tryLock = async () => {
				const now = Date.now();
				await locks.deleteOne({ _id: "migrate", expiresAt: { $lt: now } });
				try {
					await locks.insertOne({ _id: "migrate", holder, expiresAt: now + Math.max(timeoutMs, 60_000) });
					return true;
				} catch (err) {
					if ((err as { code?: number }).code === 11000) return false;
					throw err;
				}
			};
			await pollUntil(tryLock, timeoutMs, onWait, "The migration lock (schema_migrations_lock) is");
		},
		async unlock() {
			await locks.deleteOne({ _id: "migrate", holder });
		},
		async executed(service) {
			const docs = await records.find({ service }).toArray();
			return docs.map(d => d.name).sort();
		},
		async apply(service, name, step: ServiceStep) {
			try {
				for (const { collection, index } of step.mongo.drop ?? []) {
					await db
						.collection(collection)
						.dropIndex(index)
						.catch((err: { code?: number; codeName?: string }) => {
							if (err.code !== INDEX_NOT_FOUND && err.codeName !== "NamespaceNotFound") throw err;
						});
				}
				for (const { collection, indexes } of step.mongo.create ?? []) {
					for (const { key, ...options } of indexes) await db.collection(collection).createIndex(key, options);
				}
			} catch (err) {
				throw new Error(`Migration ${name} of ${service} failed: ${(err as Error).message}`, { cause: err });
			}
			await record(service, name);
		},
		record,
		async unrecord(service, name) {
			await records.deleteOne({ _id: `${service}:${name}` });
		},
		async close() {
			await conn.close();
		}
	};
}
