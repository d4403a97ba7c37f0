/**
 * Low-stock alerts: exactly one `inventory.low_stock` per downward crossing of an item's threshold.
 *
 * `lowStockAlerted` is the latch. After any change that lowers `available` (or raises the
 * threshold), `checkDrop` flips it false -> true with a conditional update that also requires
 * available <= threshold; only the caller whose flip succeeded emits, so concurrent reservations
 * crossing together raise one alert. After any change that raises `available` (or lowers the
 * threshold), `checkRise` flips it back when available > threshold, arming the next alert.
 * Every condition is evaluated by the database against the current document (never a stale read),
 * so once changes stop, lowStockAlerted == (available <= threshold). The threshold is part of
 * each condition, so a concurrent threshold change makes the flip fail rather than misfire; that
 * change runs both checks itself. A crash between a change and its check leaves the latch stale
 * until the next change of the item, which runs the check again.
 */
import type { Store } from "../store";
import type { ItemDoc } from "./collections";
import type { OpContext } from "./op-context";

export interface LowStockAlert {
	productId: string;
	itemId: string;
	available: number;
	lowStockThreshold: number;
}

export class LowStock {
	constructor(private readonly items: Store<ItemDoc>) {}

	/** After a change that lowered available (or raised the threshold): alert once if now at or below it. */
	async checkDrop(op: OpContext, item: ItemDoc): Promise<boolean> {
		if (item.lowStockAlerted || item.available > item.lowStockThreshold) return false;
		const threshold = item.lowStockThreshold;
		const flipped = await this.items.updateById(
			item.id,
			{ set: { lowStockAlerted: true } },
			{ lowStockAlerted: false, lowStockThreshold: threshold, available: { lte: threshold } }
		);
		if (!flipped) return false;
		const alert: LowStockAlert = {
			productId: flipped.productId,
			itemId: flipped.id,
			available: flipped.available,
			lowStockThreshold: flipped.lowStockThreshold
		};
		await op.emit("inventory.low_stock", flipped.id, alert);
		return true;
	}

	/** After a change that raised available (or lowered the threshold): re-arm the alert once above it. */
	async checkRise(item: ItemDoc): Promise<void> {
		if (!item.lowStockAlerted || item.available <= item.lowStockThreshold) return;
		const threshold = item.lowStockThreshold;
		await this.items.updateById(
			item.id,
			{ set: { lowStockAlerted: false } },
			{ lowStockAlerted: true, lowStockThreshold: threshold, available: { gt: threshold } }
		);
	}
}
