// moleculer-db-adapter-sequelize ships no typings; it is reached only through lib/store/sequelize-adapter-internals.ts.
declare module "moleculer-db-adapter-sequelize" {
	const SqlAdapter: unknown;
	export default SqlAdapter;
}
