import { reservationSuite } from "./reservations.suite";

// The embedded store (SQLite under the stack's temporary DATA_DIR).
reservationSuite("SQLite (embedded)", async () => ({ env: {}, cleanup: async () => undefined }));
