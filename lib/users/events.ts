/** The events the users service emits and their data: the contract its consumers import. */
import type { PublicUser } from "./shape";

/** user.registered: the new account as clients see it (no password hash). */
export type UserRegisteredData = PublicUser;

/** user.session_revoked (broadcast to every gateway): refuse this session's access tokens until `untilMs`. */
export interface SessionRevokedData {
	sid: string;
	untilMs: number;
}

export interface UserEvents {
	"user.registered": UserRegisteredData;
	"user.session_revoked": SessionRevokedData;
}
