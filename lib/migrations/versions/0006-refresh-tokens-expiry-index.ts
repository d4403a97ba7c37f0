/** Sessions retention (9300d11) finds ended sessions by a range on expiresAt. */
import type { Migration } from "../types";

export const refreshTokensExpiryIndex: Migration = {
	name: "0006-refresh-tokens-expiry-index",
	services: {
		users: {
			postgres: [`CREATE INDEX IF NOT EXISTS refresh_tokens_expires_at ON refresh_tokens ("expiresAt")`],
			mongo: { create: [{ collection: "refresh_tokens", indexes: [{ key: { expiresAt: 1 } }] }] }
		}
	}
};
