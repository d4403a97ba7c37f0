// moleculer-db ships JS without usable typings for its adapters; the one used is reached through lib/store/sequelize-adapter-internals.ts.
declare module "moleculer-db" {
	export const MemoryAdapter: unknown;
}
declare module "moleculer-db-adapter-sequelize" {
	const SqlAdapter: unknown;
	export default SqlAdapter;
}
