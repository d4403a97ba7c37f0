import { createTestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { reservationSuite } from "./reservations.suite";

// The machine's PostgreSQL, a fresh database per run (dropped afterwards); skipped on a laptop without it, failing in CI.
describeWithServer(
	"PostgreSQL",
	"127.0.0.1",
	5432
)("PostgreSQL", () => {
	reservationSuite("PostgreSQL", async () => {
		const db = await createTestDatabase("inventory");
		return { env: { DB_URI: db.uri }, cleanup: () => db.drop() };
	});
});
