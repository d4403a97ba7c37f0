// moleculer-db ships JS without usable typings for its adapters; we only construct them.
declare module "moleculer-db" {
	export const MemoryAdapter: unknown;
}
declare module "moleculer-db-adapter-sequelize" {
	const SqlAdapter: unknown;
	export default SqlAdapter;
}
declare module "moleculer-db-adapter-mongoose" {
	const MongooseAdapter: unknown;
	export default MongooseAdapter;
}
