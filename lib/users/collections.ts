/**
 * The users service's collections and the documents they hold. Timestamps are ISO 8601 UTC strings
 * (fixed width, so they compare correctly as strings on every adapter).
 */
import type { ClearablePostalAddress } from "../address";
import type { CollectionSpec } from "../store";

export type Role = "customer" | "admin";

export interface UserDoc {
	id: string;
	email: string;
	name: string;
	passwordHash: string;
	roles: Role[];
	active: boolean;
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

export interface AddressDoc extends ClearablePostalAddress {
	id: string;
	userId: string;
	isDefault: boolean;
	/**
	 * The user's id on the default address, the address's own id on the others. Its unique index
	 * lets the database itself refuse a second default, whatever requests run concurrently.
	 */
	defaultSlot: string;
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

/** `replaced`: issued, but its response was lost and a reuse of its predecessor replaced it (lib/users/sessions.ts). */
export type RefreshTokenStatus = "active" | "used" | "replaced" | "revoked";

export interface RefreshTokenDoc {
	id: string;
	/** sha256 hex of the opaque token; the token itself is never stored. */
	tokenHash: string;
	userId: string;
	/** The session id (`sid` in access tokens); every rotation stays in the family. */
	familyId: string;
	status: RefreshTokenStatus;
	expiresAt: string;
	createdAt: string;
	usedAt?: string;
	revokedAt?: string;
	[key: string]: unknown;
}

export const USERS: CollectionSpec = {
	name: "users",
	fields: {
		email: { type: "string", required: true, unique: true, index: true },
		name: { type: "string", required: true },
		passwordHash: { type: "string", required: true },
		roles: { type: "json", required: true },
		active: { type: "boolean", default: true },
		createdAt: { type: "string", required: true, index: true },
		updatedAt: { type: "string", required: true }
	}
};

export const ADDRESSES: CollectionSpec = {
	name: "addresses",
	fields: {
		userId: { type: "string", required: true, index: true },
		line1: { type: "string", required: true },
		line2: { type: "string" },
		city: { type: "string", required: true },
		postalCode: { type: "string", required: true },
		country: { type: "string", required: true },
		state: { type: "string" },
		name: { type: "string" },
		phone: { type: "string" },
		isDefault: { type: "boolean", required: true, default: false },
		defaultSlot: { type: "string", required: true, unique: true },
		createdAt: { type: "string", required: true },
		updatedAt: { type: "string", required: true }
	}
};

export const REFRESH_TOKENS: CollectionSpec = {
	name: "refresh_tokens",
	fields: {
		tokenHash: { type: "string", required: true, unique: true },
		userId: { type: "string", required: true, index: true },
		familyId: { type: "string", required: true, index: true },
		status: { type: "string", required: true, index: true },
		// Indexed for the retention of ended sessions, which compares it by range.
		expiresAt: { type: "string", required: true, index: true },
		createdAt: { type: "string", required: true },
		usedAt: { type: "string" },
		revokedAt: { type: "string", index: true }
	}
};

export const COLLECTIONS = [USERS, ADDRESSES, REFRESH_TOKENS];
