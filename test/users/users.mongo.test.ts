/**
 * The users suite on the MongoDB wire protocol: CongoDB in-process (test/helpers/mongo-server.ts), not a real mongod.
 * Upstream CongoDB ignores unique indexes, but the helper patches that in (code 11000 like mongod), so the
 * duplicate-email and concurrency assertions run here too; nothing is skipped.
 */
import { startMongoServer } from "../helpers/mongo-server";
import { usersSuite } from "./users-suite";

usersSuite("users on MongoDB wire protocol (CongoDB in-process, not a real mongod)", async () => {
	const server = await startMongoServer();
	return { env: { DB_URI: server.uri, USERS_DB_URI: undefined }, cleanup: () => server.stop() };
});
