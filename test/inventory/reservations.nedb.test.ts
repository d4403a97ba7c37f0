import { reservationSuite } from "./reservations.suite";

// The embedded store (NeDB persisted under the stack's temporary DATA_DIR).
reservationSuite("NeDB (embedded)", async () => ({ env: {}, cleanup: async () => undefined }));
