/**
 * Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD at start, once.
 *
 * Idempotent: an existing account with that email is left alone (its password is not reset, and a
 * customer who registered that email first is NOT promoted: that would hand admin to whoever got
 * there first). Two users nodes starting at once: both try the insert, the unique email index lets
 * one through, the other's DuplicateKeyError is swallowed.
 *
 * Without ADMIN_PASSWORD no admin is created. We deliberately do not generate and log a random
 * password in development: passwords never go to logs. The log line says how to set one instead.
 */
import { hashPassword, passwordWeakness } from "../password";
import { DuplicateKeyError, type Store } from "../store";
import type { UserDoc } from "./collections";

export interface AdminSettings {
	adminEmail: string;
	adminPassword: string | null;
	isProduction: boolean;
}

interface Log {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function ensureAdmin(users: Store<UserDoc>, cfg: AdminSettings, logger: Log): Promise<void> {
	const email = cfg.adminEmail.trim().toLowerCase();
	if (!cfg.adminPassword) {
		logger.info(`No admin account is created: set ADMIN_EMAIL (now "${email}") and ADMIN_PASSWORD to create one at start.`);
		return;
	}
	if (!EMAIL.test(email)) throw new Error(`ADMIN_EMAIL "${cfg.adminEmail}" is not a valid email address`);
	const weakness = passwordWeakness(cfg.adminPassword);
	if (weakness) {
		if (cfg.isProduction) throw new Error(`ADMIN_PASSWORD is too weak: it ${weakness}`);
		logger.warn(`ADMIN_PASSWORD is weak (it ${weakness}); this would refuse to start in production.`);
	}

	const existing = await users.findOne({ email });
	if (existing) {
		if (!existing.roles.includes("admin"))
			logger.warn(`ADMIN_EMAIL ${email} belongs to an existing non-admin account; it is not promoted.`);
		return;
	}
	const at = new Date().toISOString();
	try {
		await users.insert({
			email,
			name: "Administrator",
			passwordHash: await hashPassword(cfg.adminPassword),
			roles: ["admin"],
			active: true,
			createdAt: at,
			updatedAt: at
		});
		logger.info(`Created the admin account ${email}`);
	} catch (err) {
		if (!(err instanceof DuplicateKeyError)) throw err;
	}
}
