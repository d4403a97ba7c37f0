/** The users suite on the embedded SQLite store (the default, all-in-one topology). */
import { usersSuite } from "./users-suite";

usersSuite("users on the embedded SQLite store", async () => ({
	env: { DB_URI: undefined, USERS_DB_URI: undefined },
	cleanup: async () => undefined
}));
