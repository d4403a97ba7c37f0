/**
 * Item-level stock changes, each one atomic conditional update of the item (no read-then-write
 * for an invariant), followed by its movement line, its event and the low-stock checks.
 * Invariants on every adapter: available = onHand - reserved, reserved >= 0, available >= 0.
 */
import { ConflictError, NotFoundError } from "../errors";
import { DuplicateKeyError, type Filter, type Store } from "../store";
import type { ItemDoc } from "./collections";
import { LowStock } from "./low-stock";
import { MovementLog } from "./movements";
import { nowIso, type OpContext } from "./op-context";
import { toPublicItem } from "./shape";
import { defaultLowStockThreshold } from "./threshold";

/** Optimistic retries of an absolute onHand change that lost races with other changes of the item. */
const SET_ON_HAND_ATTEMPTS = 20;

export class ItemExistsError extends ConflictError {
	constructor(productId: string) {
		super("An inventory item for this product already exists", "INVENTORY_EXISTS", { productId });
	}
}

export function insufficientStock(productId: string, data: Record<string, unknown> = {}): ConflictError {
	return new ConflictError(
		"Not enough stock: on-hand stock can neither go below zero nor below the reserved quantity",
		"INSUFFICIENT_STOCK",
		{
			productId,
			...data
		}
	);
}

export class Stock {
	readonly lowStock: LowStock;

	constructor(
		readonly items: Store<ItemDoc>,
		readonly movements: MovementLog
	) {
		this.lowStock = new LowStock(items);
	}

	async byId(id: string): Promise<ItemDoc> {
		const doc = await this.items.findById(id);
		if (!doc) throw new NotFoundError("Inventory item", id);
		return doc;
	}

	async byProduct(productId: string): Promise<ItemDoc> {
		const doc = await this.items.findOne({ productId });
		if (!doc) throw new NotFoundError("Inventory item", productId);
		return doc;
	}

	/**
	 * Creates the item of a product. The unique productId index decides between concurrent or
	 * repeated creations: the loser gets ItemExistsError (a 409), so a redelivered product.created
	 * creates nothing twice. An item created at or below its threshold starts with the alert latched
	 * (no alert: nothing crossed), so the next alert is for the next crossing after a restock.
	 * A crash after the insert loses the create movement and event; the redelivery finds the item.
	 */
	async create(op: OpContext, productId: string, onHand: number, lowStockThreshold?: number): Promise<ItemDoc> {
		const threshold = lowStockThreshold ?? defaultLowStockThreshold(onHand);
		const at = nowIso();
		let item: ItemDoc;
		try {
			item = await this.items.insert({
				productId,
				onHand,
				reserved: 0,
				available: onHand,
				lowStockThreshold: threshold,
				lowStockAlerted: onHand <= threshold,
				seq: 1,
				createdAt: at,
				updatedAt: at
			});
		} catch (err) {
			if (err instanceof DuplicateKeyError) throw new ItemExistsError(productId);
			throw err;
		}
		await this.movements.record(op, item, { type: "create", quantity: onHand, inc: { onHand }, reason: "created" });
		await op.emit("inventory.created", item.id, toPublicItem(item));
		return item;
	}

	/**
	 * Changes onHand by `delta`. A decrease is conditional on available >= -delta, i.e. onHand never
	 * drops below reserved (hence never below 0); otherwise 409 INSUFFICIENT_STOCK and nothing changed.
	 * Not idempotent: a retried call applies twice (the broker only retries calls that never reached
	 * a handler). A crash after the update loses at most its movement line and event.
	 */
	async adjust(op: OpContext, item: ItemDoc, delta: number, reason: string): Promise<ItemDoc> {
		const where: Filter = delta < 0 ? { available: { gte: -delta } } : {};
		const after = await this.items.updateById(
			item.id,
			{ inc: { onHand: delta, available: delta, seq: 1 }, set: { updatedAt: nowIso() } },
			where
		);
		if (!after) {
			const current = await this.byId(item.id);
			throw insufficientStock(item.productId, {
				onHand: current.onHand,
				reserved: current.reserved,
				available: current.available,
				delta
			});
		}
		await this.afterOnHandChange(op, after, delta, reason);
		return after;
	}

	/**
	 * Sets onHand to an absolute value: the delta from a read, applied on condition that onHand
	 * is still what was read (optimistic concurrency; retried when a concurrent change won) and,
	 * for a decrease, that available stays >= 0. 409 when the target is below the reserved quantity.
	 * Absolute, so a retried call changes nothing more; a crash after the update loses its movement line.
	 */
	async setOnHand(op: OpContext, itemId: string, target: number, reason: string): Promise<ItemDoc> {
		for (let attempt = 0; attempt < SET_ON_HAND_ATTEMPTS; attempt++) {
			const current = await this.byId(itemId);
			const delta = target - current.onHand;
			if (delta === 0) return current;
			if (target < current.reserved) {
				throw insufficientStock(current.productId, { onHand: current.onHand, reserved: current.reserved, requested: target });
			}
			const where: Filter = { onHand: current.onHand, ...(delta < 0 ? { available: { gte: -delta } } : {}) };
			const after = await this.items.updateById(
				itemId,
				{ inc: { onHand: delta, available: delta, seq: 1 }, set: { updatedAt: nowIso() } },
				where
			);
			if (after) {
				await this.afterOnHandChange(op, after, delta, reason);
				return after;
			}
		}
		throw new ConflictError("The item changed too often meanwhile; try again", "CONCURRENT_UPDATE", { itemId });
	}

	/**
	 * Sets the threshold (idempotent, last writer wins), then settles the alert latch in both
	 * directions; a crash in between leaves the latch stale until the item's next change.
	 */
	async setThreshold(op: OpContext, itemId: string, threshold: number): Promise<ItemDoc> {
		const after = await this.items.updateById(itemId, { set: { lowStockThreshold: threshold, updatedAt: nowIso() } });
		if (!after) throw new NotFoundError("Inventory item", itemId);
		await this.lowStock.checkDrop(op, after);
		await this.lowStock.checkRise(after);
		return (await this.items.findById(itemId)) ?? after;
	}

	private async afterOnHandChange(op: OpContext, after: ItemDoc, delta: number, reason: string): Promise<void> {
		await this.movements.record(op, after, { type: "adjust", quantity: delta, inc: { onHand: delta }, reason });
		try {
			await op.emit("inventory.adjusted", after.id, {
				productId: after.productId,
				itemId: after.id,
				delta,
				onHand: after.onHand,
				reserved: after.reserved,
				available: after.available,
				reason
			});
		} finally {
			// Even when a listener failed (local emits wait for local handlers): the latch must follow the stock.
			if (delta < 0) await this.lowStock.checkDrop(op, after);
			else await this.lowStock.checkRise(after);
		}
	}
}
