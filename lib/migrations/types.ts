/**
 * A schema migration: what one release changes in each service's database. The statements are
 * written out in full and never derived from today's collection specs, so a migration stays the
 * same when the code changes.
 */

/** One MongoDB index, as Mongoose declares it from a collection spec (its name is the driver's: `a_1_b_1`). */
export interface MongoIndex {
	key: Record<string, 1>;
	unique?: boolean;
	sparse?: boolean;
}

export interface MongoStep {
	create?: Array<{ collection: string; indexes: MongoIndex[] }>;
	/** Index names; an index already gone is not an error. */
	drop?: Array<{ collection: string; index: string }>;
}

export interface ServiceStep {
	/**
	 * Run in one transaction, in order. Each must be safe to run twice (IF NOT EXISTS / IF EXISTS):
	 * a database brought to today's schema by sync() before migrations existed runs them all once.
	 */
	postgres: string[];
	mongo: MongoStep;
}

export interface Migration {
	/** Sorts in the order the migrations run: `NNNN-what-it-does`. */
	name: string;
	/** The step of each service whose tables it changes (a service's tables live in its own database). */
	services: Record<string, ServiceStep>;
}
