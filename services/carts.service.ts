/**
 * Carts: one cart per user, lines of product and quantity. Prices are never stored here: the cart
 * is shown with the catalog's current prices (products.get), and checkout hands the lines to
 * orders.create, which prices them again. Writes are compare-and-set on the cart's version, so
 * concurrent changes of one cart all apply (lib/carts/cart-store.ts).
 *
 * Routes (relative to /api/v1, signed-in customers): GET /cart, POST /cart/items,
 * PUT /cart/items/:productId, DELETE /cart/items/:productId, DELETE /cart, POST /cart/checkout.
 * POST /cart/items with an Idempotency-Key adds once however often it is retried; checkout passes
 * the key on to orders.create (lib/carts/checkout.ts).
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { UnauthorizedError, invalidField } from "../lib/errors";
import type { Store } from "../lib/store";
import { addLine, removeLine, setLine, sameLines } from "../lib/carts/cart-lines";
import { findCart, mutateCart } from "../lib/carts/cart-store";
import { cartView, type CartView, type CatalogProduct } from "../lib/carts/shape";
import { checkout } from "../lib/carts/checkout";
import { cartsCollection, type CartDoc, type CartLine } from "../lib/carts/collections";
import { addItemParams, checkoutParams, productIdParams, setItemParams } from "../lib/carts/params";
import { DbMixin, type DbThis } from "../mixins/db.mixin";
import type { RequestMeta } from "../types/moleculer";

type Meta = RequestMeta & { $location?: string };
type Ctx<P = Record<string, never>> = Context<P, Meta>;

interface CartsMethods {
	carts(): Store<CartDoc>;
	userId(ctx: Ctx<unknown>): string;
	product(ctx: Ctx<unknown>, productId: string): Promise<CatalogProduct | null>;
	view(ctx: Ctx<unknown>, cart: CartDoc | null): Promise<CartView>;
}

type CartsThis = Service & DbThis & CartsMethods;

/** A product that is not in the catalog, named as the request names it. */
const unknownProductInBody = (productId: string) => invalidField("productId", `No product with id ${productId}.`, "notFound");
const unknownProductInPath = (productId: string) =>
	new Errors.MoleculerClientError("Product not found", 404, "NOT_FOUND", { field: "productId", id: productId });

const CartsService: ServiceSchema<ServiceSettingSchema, CartsMethods, DbThis, CartsThis> = {
	name: "carts",
	mixins: [DbMixin([cartsCollection])],

	actions: {
		get: {
			rest: "GET /cart",
			async handler(this: CartsThis, ctx: Ctx): Promise<CartView> {
				return this.view(ctx, await findCart(this.carts(), this.userId(ctx)));
			}
		},

		/** Adds to the product's line (one currency per cart); 201 with the cart. */
		addItem: {
			rest: "POST /cart/items",
			params: addItemParams,
			async handler(this: CartsThis, ctx: Ctx<CartLine>): Promise<CartView> {
				const { productId, quantity } = ctx.params;
				const userId = this.userId(ctx);
				const product = await this.product(ctx, productId);
				if (!product) throw unknownProductInBody(productId);
				const key = ctx.meta.idempotencyKey;
				// The currency of the cart is the one of its first line still in the catalog.
				const current = await findCart(this.carts(), userId);
				for (const line of current?.items ?? []) {
					const p = line.productId === productId ? product : await this.product(ctx, line.productId);
					if (!p) continue;
					if (p.currency !== product.currency)
						throw invalidField(
							"productId",
							`A cart is paid in one currency: it holds ${p.currency}, this product costs ${product.currency}.`,
							"currencyMismatch"
						);
					break;
				}
				const cart = await mutateCart(this.carts(), userId, c => {
					if (key && (c.appliedKeys ?? []).includes(key)) return null;
					return { items: addLine(c.items, productId, quantity), key };
				});
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = "/api/v1/cart";
				return this.view(ctx, cart);
			}
		},

		/** Sets the quantity (adding the product when absent); 0 removes it. 404 for a product not in the catalog. */
		setItem: {
			rest: "PUT /cart/items/:productId",
			params: setItemParams,
			async handler(this: CartsThis, ctx: Ctx<CartLine>): Promise<CartView> {
				const { productId, quantity } = ctx.params;
				const userId = this.userId(ctx);
				if (quantity > 0 && !(await this.product(ctx, productId))) throw unknownProductInPath(productId);
				const cart = await mutateCart(this.carts(), userId, c => {
					const items = setLine(c.items, productId, quantity);
					return sameLines(items, c.items) ? null : { items };
				});
				return this.view(ctx, cart);
			}
		},

		/** Removes the product's line; answers the cart (also when the product was not in it). */
		removeItem: {
			rest: "DELETE /cart/items/:productId",
			params: productIdParams,
			async handler(this: CartsThis, ctx: Ctx<{ productId: string }>): Promise<CartView> {
				const cart = await mutateCart(this.carts(), this.userId(ctx), c => {
					const items = removeLine(c.items, ctx.params.productId);
					return sameLines(items, c.items) ? null : { items };
				});
				return this.view(ctx, cart);
			}
		},

		/** Empties the cart; 204. */
		clear: {
			rest: "DELETE /cart",
			async handler(this: CartsThis, ctx: Ctx): Promise<null> {
				const userId = this.userId(ctx);
				if (await findCart(this.carts(), userId))
					await mutateCart(this.carts(), userId, c => (c.items.length ? { items: [] } : null));
				ctx.meta.$statusCode = 204;
				return null;
			}
		},

		/** 201 with the order (pending); the cart keeps whatever the order did not take. */
		checkout: {
			rest: "POST /cart/checkout",
			params: checkoutParams,
			async handler(this: CartsThis, ctx: Ctx<Record<string, unknown>>) {
				const userId = this.userId(ctx);
				const { order, replayed } = await checkout<{ id: string; items: CartLine[] }>(
					{
						store: this.carts(),
						createOrder: async (body, idempotencyKey) => {
							const meta: Meta = { idempotencyKey, $responseHeaders: undefined };
							const created = (await ctx.call("orders.create", body, { meta })) as { id: string; items: CartLine[] };
							return { order: created, replayed: ctx.meta.$responseHeaders?.["Idempotent-Replayed"] === "true" };
						},
						findOrderByKey: key =>
							(ctx.call("orders.byIdempotencyKey", { userId, key }) as Promise<{ id: string; items: CartLine[] }>).catch(
								err => {
									if ((err as { code?: number }).code === 404) return null;
									throw err;
								}
							)
					},
					{ userId, clientKey: ctx.meta.idempotencyKey, body: ctx.params }
				);
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/v1/orders/${order.id}`;
				if (replayed) ctx.meta.$responseHeaders = { ...ctx.meta.$responseHeaders, "Idempotent-Replayed": "true" };
				return order;
			}
		}
	},

	methods: {
		carts(this: CartsThis) {
			return this.store<CartDoc>(cartsCollection.name);
		},

		userId(this: CartsThis, ctx: Ctx<unknown>) {
			const id = ctx.meta.user?.id;
			if (!id) throw new UnauthorizedError();
			return id;
		},

		async product(this: CartsThis, ctx: Ctx<unknown>, productId: string) {
			try {
				return (await ctx.call("products.get", { id: productId })) as CatalogProduct;
			} catch (err) {
				if ((err as { code?: number }).code === 404) return null;
				throw err;
			}
		},

		view(this: CartsThis, ctx: Ctx<unknown>, cart: CartDoc | null) {
			return cartView(this.userId(ctx), cart, id => this.product(ctx, id));
		}
	}
};

export default CartsService;
