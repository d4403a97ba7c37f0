/**
 * The product catalog: public reads (cached, cleaned on every node after each write), admin
 * writes, product.created|updated|deleted events. Money is stored in integer minor units and
 * shown as a decimal `price`. Stock is not kept here: the `stock` given on create travels in the
 * product.created event to inventory, and PATCH /products/:id/stock asks inventory to adjust it.
 *
 * GET /products: q (name or description, case-insensitive), category (exact), minPrice/maxPrice
 * (inclusive), page (from 1), pageSize (1.., capped at 100), sort = price | -price | name | -name |
 * createdAt | -createdAt (a leading "-" sorts descending; default -createdAt; ties by id).
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { ConflictError, NotFoundError, invalidField } from "../lib/errors";
import { DuplicateKeyError, type Store } from "../lib/store";
import { listCategories } from "../lib/products/categories";
import { productsCollection, type ProductDoc } from "../lib/products/collections";
import { CACHE_TTL_SECONDS, DEFAULT_CATEGORY, DEFAULT_CURRENCY } from "../lib/products/constants";
import { buildListQuery, type ListParams } from "../lib/products/list-query";
import { paramsCacheKey } from "../lib/products/cache-keygen";
import { adjustStockParams, createParams, idParams, listParams, updateParams, upsertParams } from "../lib/products/params";
import { changedFields, toPublicProduct, toStoredFields, type Product, type ProductInput } from "../lib/products/shape";
import { originOf } from "../lib/tracing/origin";
import { DbMixin, type DbThis } from "../mixins/db.mixin";
import { CacheCleaner, type CacheCleanerThis } from "../mixins/cache-cleaner.mixin";
import { MessagingMixin } from "../mixins/messaging.mixin";

type CreateParams = ProductInput & { name: string; price: number; stock?: number };
type HttpMeta = { $statusCode?: number; $location?: string };

interface ProductsMethods {
	products(): Store<ProductDoc>;
	findOr404(id: string): Promise<ProductDoc>;
	insertProduct(ctx: Context, params: CreateParams): Promise<Product>;
	updateProduct(ctx: Context, doc: ProductDoc, input: ProductInput): Promise<{ product: Product; changed: boolean }>;
}

type ProductsThis = Service & DbThis & CacheCleanerThis & ProductsMethods;

/** A unique index clash on sku becomes a 409 naming the field. */
function skuConflict(err: unknown, sku: string | undefined): unknown {
	if (err instanceof DuplicateKeyError)
		return new ConflictError("A product with this sku already exists", "DUPLICATE_SKU", { field: "sku", sku });
	return err;
}

const cache = { ttl: CACHE_TTL_SECONDS, keygen: paramsCacheKey };

const ProductsService: ServiceSchema<ServiceSettingSchema, ProductsMethods, DbThis & CacheCleanerThis, ProductsThis> = {
	name: "products",
	// MessagingMixin: product.* events also go to Kafka's product.events when KAFKA_BROKERS is set.
	mixins: [DbMixin([productsCollection], { outbox: true }), CacheCleaner(["products"]), MessagingMixin()],

	actions: {
		list: {
			rest: "GET /products",
			auth: "public",
			params: listParams,
			cache,
			async handler(this: ProductsThis, ctx: Context<ListParams>) {
				const query = buildListQuery(ctx.params);
				// The catalog: small, read by everyone, cached; read on the event loop.
				const { docs, total } = await this.products().findWithTotal({
					where: query.where,
					sort: query.sort,
					limit: query.limit,
					offset: query.offset
				});
				return { items: docs.map(toPublicProduct), total, page: query.page, pageSize: query.pageSize };
			}
		},

		get: {
			rest: "GET /products/:id",
			auth: "public",
			params: idParams,
			cache,
			async handler(this: ProductsThis, ctx: Context<{ id: string }>) {
				return toPublicProduct(await this.findOr404(ctx.params.id));
			}
		},

		categories: {
			rest: "GET /categories",
			auth: "public",
			params: {},
			cache,
			async handler(this: ProductsThis) {
				return listCategories(this.products());
			}
		},

		create: {
			rest: "POST /products",
			roles: ["admin"],
			params: createParams,
			async handler(this: ProductsThis, ctx: Context<CreateParams, HttpMeta>) {
				const product = await this.insertProduct(ctx, ctx.params);
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/v1/products/${product.id}`;
				return product;
			}
		},

		update: {
			rest: "PUT /products/:id",
			roles: ["admin"],
			params: updateParams,
			async handler(this: ProductsThis, ctx: Context<ProductInput & { id: string }>) {
				const { id, ...input } = ctx.params;
				const doc = await this.findOr404(id);
				return (await this.updateProduct(ctx, doc, input)).product;
			}
		},

		remove: {
			rest: "DELETE /products/:id",
			roles: ["admin"],
			params: idParams,
			async handler(this: ProductsThis, ctx: Context<{ id: string }, HttpMeta>) {
				const doc = await this.findOr404(ctx.params.id);
				await this.outbox.write(async w => {
					if (!(await w.bind(this.products()).removeById(doc.id))) throw new NotFoundError("Product", doc.id);
					w.stage("product.deleted", doc.id, toPublicProduct(doc));
				}, originOf(ctx));
				await this.cacheChanged();
				ctx.meta.$statusCode = 204;
				return null;
			}
		},

		/** Adjusts on-hand stock through inventory (which owns it); 404 for an unknown product first. */
		adjustStock: {
			rest: "PATCH /products/:id/stock",
			roles: ["admin"],
			params: adjustStockParams,
			async handler(this: ProductsThis, ctx: Context<{ id: string; delta?: number; onHand?: number; reason?: string }>) {
				const { id, delta, onHand, reason } = ctx.params;
				if ((delta === undefined) === (onHand === undefined))
					throw invalidField("delta", "Give exactly one of 'delta' or 'onHand'.", "oneOf");
				const doc = await this.findOr404(id);
				const change = delta !== undefined ? { delta } : { onHand };
				return ctx.call("inventory.adjust", { productId: doc.id, ...change, reason: reason || "admin adjustment" });
			}
		},

		/**
		 * Internal (no route): creates the product with this sku, or brings the existing one to the given
		 * fields. Events as for create/update; nothing happens when nothing changed. Used by seedCatalog
		 * (lib/products/seed.ts); `npm run seed` itself only creates what is missing.
		 */
		upsertBySku: {
			visibility: "public",
			params: upsertParams,
			async handler(this: ProductsThis, ctx: Context<CreateParams & { sku: string }>) {
				const { stock: _stock, ...input } = ctx.params;
				let existing = await this.products().findOne({ sku: input.sku });
				if (!existing) {
					try {
						return { outcome: "created", product: await this.insertProduct(ctx, ctx.params) };
					} catch (err) {
						// Created concurrently by someone else: fall through to update it.
						if (!(err instanceof ConflictError)) throw err;
						existing = await this.products().findOne({ sku: input.sku });
						if (!existing) throw err;
					}
				}
				const { product, changed } = await this.updateProduct(ctx, existing, input);
				return { outcome: changed ? "updated" : "unchanged", product };
			}
		}
	},

	methods: {
		products(this: ProductsThis) {
			return this.store<ProductDoc>(productsCollection.name);
		},

		async findOr404(this: ProductsThis, id: string) {
			const doc = await this.products().findById(id);
			if (!doc) throw new NotFoundError("Product", id);
			return doc;
		},

		async insertProduct(this: ProductsThis, ctx: Context, params: CreateParams) {
			const { stock, ...input } = params;
			const now = new Date().toISOString();
			const fields = toStoredFields({
				description: "",
				currency: DEFAULT_CURRENCY,
				category: DEFAULT_CATEGORY,
				images: [],
				...input
			});
			// The product and its product.created (which gives it a stock record) are one write.
			const product = await this.outbox
				.write(async w => {
					const doc = await w
						.bind(this.products())
						.insert({ ...fields, createdAt: now, updatedAt: now } as Omit<ProductDoc, "id">);
					const created = toPublicProduct(doc);
					if (stock !== undefined) created.stock = stock;
					w.stage("product.created", doc.id, created);
					return created;
				}, originOf(ctx))
				.catch(err => {
					throw skuConflict(err, input.sku);
				});
			await this.cacheChanged();
			return product;
		},

		async updateProduct(this: ProductsThis, ctx: Context, doc: ProductDoc, input: ProductInput) {
			const changes = changedFields(doc, toStoredFields(input));
			if (!Object.keys(changes).length) return { product: toPublicProduct(doc), changed: false };
			const product = await this.outbox
				.write(async w => {
					const updated = await w
						.bind(this.products())
						.updateById(doc.id, { set: { ...changes, updatedAt: new Date().toISOString() } });
					if (!updated) throw new NotFoundError("Product", doc.id);
					const changedProduct = toPublicProduct(updated);
					w.stage("product.updated", doc.id, changedProduct);
					return changedProduct;
				}, originOf(ctx))
				.catch(err => {
					throw skuConflict(err, input.sku);
				});
			await this.cacheChanged();
			return { product, changed: true };
		}
	}
};

export default ProductsService;
