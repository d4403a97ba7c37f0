/** The users suite on PostgreSQL (the machine's server), in a fresh database dropped afterwards. */
import { createTestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { usersSuite } from "./users-suite";

describeWithServer(
	"PostgreSQL",
	"127.0.0.1",
	5432
)("PostgreSQL", () => {
	usersSuite("users on PostgreSQL", async () => {
		const db = await createTestDatabase("users");
		return { env: { DB_URI: db.uri, USERS_DB_URI: undefined }, cleanup: () => db.drop() };
	});
});
