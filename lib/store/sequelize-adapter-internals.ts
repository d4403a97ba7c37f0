/**
 * Every use of moleculer-db-adapter-sequelize's internals, in one place. It relies on version
 * 0.2.19 (pinned exactly in package.json); on an upgrade, re-check this file:
 * test/unit/library-internals.test.ts fails first, naming the assumption that broke.
 */
import type { Model, ModelStatic, Sequelize } from "sequelize";
import SqlAdapter from "moleculer-db-adapter-sequelize";

/** A model as the adapter takes it in a service's `schema.model`: the arguments of Sequelize's `define`. */
export interface ModelDefinition {
	name: string;
	define: Record<string, unknown>;
	options: object;
}

/** What the adapter reads of the moleculer-db service it serves (init, connect), and where it puts the model. */
interface AdapterService {
	schema: { model: ModelDefinition };
	logger: { info(...args: unknown[]): void };
	model?: ModelStatic<Model>;
}

/**
 * Connects the adapter to a shared Sequelize instance and answers the model it defines, outside a
 * moleculer-db service (the stores are plain classes, lib/store/types.ts). Relies on:
 * - `init(broker, service)` reading only `service.schema.model`, and `connect()` authenticating,
 *   defining that model and setting it as `service.model`;
 * - `connect()` reading `noSync` off a Sequelize instance given as its first argument: without it,
 *   the adapter would sync the table and, when that fails, close the pool every store of the URI shares.
 *   The caller syncs itself when the schema is not the migrations'.
 */
export async function connectModel(sequelize: Sequelize, model: ModelDefinition): Promise<ModelStatic<Model>> {
	Object.assign(sequelize, { noSync: true });
	const service: AdapterService = { schema: { model }, logger: { info: () => undefined } };
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	const adapter = new (SqlAdapter as any)(sequelize);
	adapter.init(null, service);
	await adapter.connect();
	return service.model!;
}
