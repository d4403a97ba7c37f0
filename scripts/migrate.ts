/**
 * `npm run migrate [service ...]`: brings the databases of the configured services (all by default)
 * to the latest schema, one node at a time under the migration lock. Exits 1 with the reason when
 * a migration fails; a rerun applies only what is still missing.
 */
import { migrateConfiguredDatabases } from "../lib/migrations/run-all";

migrateConfiguredDatabases(process.argv.slice(2), { info: message => console.log(message) }).then(
	applied => {
		console.log(`Done: ${applied.length} migration(s) applied`);
	},
	(err: Error) => {
		console.error(`Migration failed: ${err.message}`);
		process.exitCode = 1;
	}
);
