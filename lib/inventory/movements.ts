/**
 * The movement ledger: one line per change of an item, with the item's onHand and reserved
 * before and after. "Before" is derived from the document the atomic update returned minus the
 * increments of that update, so it is exact even when other changes run concurrently, and the
 * sums of (after - before) over an item's movements add up to its current onHand and reserved.
 *
 * A line is written after its change succeeded: a crash between the two loses that one line (the
 * item stays right, the history misses it); it never records a change that did not happen.
 */
import type { Store, TransactionScope } from "../store";
import type { ItemDoc, MovementDoc, MovementType } from "./collections";
import { nowIso, type OpContext } from "./op-context";

export interface MovementInput {
	type: MovementType;
	quantity: number;
	/** The increments the update applied to onHand and reserved. */
	inc: { onHand?: number; reserved?: number };
	orderId?: string;
	reason?: string;
}

export class MovementLog {
	constructor(private readonly store: Store<MovementDoc>) {}

	/** This log writing in the given transaction. */
	bind(tx: TransactionScope): MovementLog {
		return new MovementLog(tx.bind(this.store));
	}

	/** Records the change that produced `after`. */
	async record(op: OpContext, after: ItemDoc, input: MovementInput): Promise<MovementDoc> {
		const dOnHand = input.inc.onHand ?? 0;
		const dReserved = input.inc.reserved ?? 0;
		const doc: Omit<MovementDoc, "id"> = {
			itemId: after.id,
			productId: after.productId,
			type: input.type,
			quantity: input.quantity,
			onHandBefore: after.onHand - dOnHand,
			onHandAfter: after.onHand,
			reservedBefore: after.reserved - dReserved,
			reservedAfter: after.reserved,
			seq: after.seq,
			actor: op.actor,
			at: nowIso()
		};
		if (input.orderId) doc.orderId = input.orderId;
		if (input.reason) doc.reason = input.reason;
		return this.store.insert(doc);
	}

	/** Newest first, by the item's change counter (timestamps tie within a millisecond and differ between nodes). */
	async page(itemId: string, offset: number, limit: number): Promise<{ docs: MovementDoc[]; total: number }> {
		// A busy product's movements are every order's (tens of thousands by a million orders): read
		// off the event loop where the store can, the page and its total together.
		return this.store.findWithTotal(
			{
				where: { itemId },
				sort: [
					["seq", "desc"],
					["id", "desc"]
				],
				offset,
				limit
			},
			{ background: true }
		);
	}
}
