import { startMongoServer } from "../helpers/mongo-server";
import { reservationSuite } from "./reservations.suite";

reservationSuite("MongoDB wire protocol (CongoDB in-process, not a real mongod)", async () => {
	const server = await startMongoServer();
	// CongoDB advertises `topologyVersion` in hello but answers the driver's awaitable (exhaust) hello at once without
	// moreToCome; the driver then fails the heartbeat ("Server ended moreToCome unexpectedly") and clears the pool,
	// failing the operations in flight. Polling monitoring avoids that; a real mongod needs no such option.
	return { env: { DB_URI: server.uri }, cleanup: () => server.stop() };
});
