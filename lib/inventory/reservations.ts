/**
 * Order reservations: all-or-nothing over an order's lines, atomic under concurrency on every
 * adapter, idempotent per orderId.
 *
 * Reserve: the reservation record is inserted first ("reserving"); its unique orderId makes every
 * further call for the order a duplicate, which answers the existing outcome (waiting for it when
 * still in flight). Then, line by line in productId order, the item is updated with
 * `inc { reserved: q, available: -q }` on condition `available >= q`, so the database decides
 * between concurrent orders and stock is never oversold. Each applied line is then recorded in
 * the reservation's `applied` (the last one with the status "reserved"). When a line is short, the
 * applied lines are given back and the reservation ends "failed" (failedProductId).
 *
 * Atomic steps: where the database runs transactions (the embedded store, PostgreSQL, a MongoDB
 * replica set), each step changes the item, its movement and the reservation's record together:
 * one line applied and recorded, a failure dropped with its lines given back, a release or commit
 * with all its lines. A crash then leaves no quantity held that the record does not list. On a
 * standalone MongoDB server the steps fall back to ordered writes, whose crash windows are all on
 * the safe side: a change of an item is recorded after it succeeded, and a record is dropped before
 * its quantity is given back, so a crash can leave a quantity held that no reservation lists
 * (visible as `reserved`), never a quantity given back twice or handed to two orders.
 *
 * Ownership: every write to a "reserving" reservation increments `version` and is conditional on
 * the version its writer last saw, so exactly one worker owns it at a time; a worker whose write
 * fails has been replaced (see recovery): its line is undone with its transaction (or, without
 * transactions, given back), and it leaves the rest to the new owner.
 *
 * Crash recovery: a worker that dies half-way leaves the reservation "reserving" with `applied`
 * listing the lines it holds. When the order.created event is re-driven (the orders reconciler)
 * and finds it unchanged for RESERVATION_STUCK_AFTER_MS, it takes ownership (conditional on the
 * version), gives back the recorded lines, and runs the reservation again from the start.
 *
 * Events: each step that settles an outcome records its event (inventory.reserved,
 * reservation_failed, released, committed) in the same transaction, through the service's outbox
 * (`transaction` option), so a settled reservation always has its event on the way.
 *
 * Release (reserved -> released) and commit (reserved -> committed) are one conditional update of
 * the reservation's status, so of two concurrent or repeated calls one does the work and the other
 * answers the state it finds; with it the lines are given back (release) or turned into sold stock
 * (commit: onHand -q, reserved -q, available unchanged).
 */
import { ConflictError, NotFoundError } from "../errors";
import { DuplicateKeyError, TransactionsUnsupportedError, type Store, type TransactionScope } from "../store";
import type { ItemDoc, ReservationDoc, ReservationLine, ReservationStatus } from "./collections";
import { RESERVATION_STUCK_AFTER_MS } from "./constants";
import { nowIso, type OpContext } from "./op-context";
import { normalizeLines, publicLines, withItemIds, type OrderLine } from "./order-lines";
import type { MovementLog } from "./movements";
import type { Stock } from "./stock";

export interface ReserveOutcome {
	status: ReservationStatus;
	/** The product that was short, when status is "failed". */
	productId?: string;
}

export interface Logger {
	warn(...args: unknown[]): void;
	error(...args: unknown[]): void;
}

/** A transaction whose scope says whether its writes really commit together (false: ordered writes). */
export type StepTransaction = <R>(work: (tx: TransactionScope & { atomic?: boolean }) => Promise<R>) => Promise<R>;

export interface ReservationsOptions {
	stuckAfterMs?: number;
	logger?: Logger;
	/**
	 * Runs a step as one transaction (the service passes its outbox's write, so the events emitted in
	 * a step are recorded with it); the reservations store's own transaction when absent.
	 */
	transaction?: StepTransaction;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The stores one step writes through: bound to one transaction where the database runs them. */
interface Unit {
	items: Store<ItemDoc>;
	reservations: Store<ReservationDoc>;
	movements: MovementLog;
	/** Whether the step's writes commit together (a throw undoes all of them). */
	atomic: boolean;
}

/** Another worker owns the reservation now (see Ownership). */
class TakenOver extends Error {}

export class Reservations {
	private readonly stuckAfterMs: number;
	private readonly logger?: Logger;
	private readonly transaction: StepTransaction;
	/** Cleared for good when the database turns out to run no transactions. */
	private transactions = true;

	constructor(
		private readonly store: Store<ReservationDoc>,
		private readonly stock: Stock,
		opts: ReservationsOptions = {}
	) {
		this.stuckAfterMs = opts.stuckAfterMs ?? RESERVATION_STUCK_AFTER_MS;
		this.logger = opts.logger;
		this.transaction = opts.transaction ?? (work => this.store.transaction(work));
	}

	private get items(): Store<ItemDoc> {
		return this.stock.items;
	}

	async find(orderId: string): Promise<ReservationDoc | null> {
		return this.store.findOne({ orderId });
	}

	/**
	 * Reserves every line of the order or none. A repeated call (same orderId) changes nothing and
	 * answers the first call's outcome, emitting its event again so a re-driven order.created
	 * completes a flow whose event was lost; the items of a repeated call are not looked at.
	 */
	async reserve(op: OpContext, orderId: string, items: OrderLine[]): Promise<ReserveOutcome> {
		const lines = await withItemIds(this.items, normalizeLines(items));
		const at = nowIso();
		let reservation: ReservationDoc;
		try {
			reservation = await this.store.insert({
				orderId,
				status: "reserving",
				lines,
				applied: [],
				version: 0,
				createdAt: at,
				updatedAt: at
			});
		} catch (err) {
			if (!(err instanceof DuplicateKeyError)) throw err;
			return this.settle(op, orderId, true);
		}
		return this.run(op, reservation);
	}

	/**
	 * Gives the order's reserved stock back. Idempotent: released (or failed, nothing held) answers as
	 * is; of concurrent calls one wins the status change and gives back, the others answer "released".
	 * A crash between the status change and the give-back leaves the quantity held (never doubled).
	 */
	async release(op: OpContext, orderId: string): Promise<ReserveOutcome> {
		for (;;) {
			const reservation = await this.existing(orderId);
			if (reservation.status === "released" || reservation.status === "failed") return { status: reservation.status };
			if (reservation.status !== "reserved") throw invalidState(reservation, "released");
			// One conditional status change decides between concurrent release/commit calls.
			const given = await this.atomically(async u => {
				if (!(await this.transition(u, reservation, "released"))) return null;
				const after: Array<ItemDoc | null> = [];
				for (const line of reservation.lines) after.push(await this.giveBack(u, op, orderId, line, "order released"));
				await op.emit("inventory.released", orderId, { orderId, items: publicLines(reservation.lines) });
				return after;
			});
			if (!given) continue;
			await this.rearmLowStock(given);
			return { status: "released" };
		}
	}

	/**
	 * Turns the order's reserved stock into sold stock. Idempotent: committed answers as is; of
	 * concurrent calls one wins the status change. A crash between the status change and the item
	 * updates leaves the quantity held as reserved (available is right; onHand overstates it).
	 */
	async commit(op: OpContext, orderId: string): Promise<ReserveOutcome> {
		for (;;) {
			const reservation = await this.existing(orderId);
			if (reservation.status === "committed") return { status: "committed" };
			if (reservation.status !== "reserved") throw invalidState(reservation, "committed");
			const done = await this.atomically(async u => {
				if (!(await this.transition(u, reservation, "committed"))) return false;
				for (const line of reservation.lines) await this.takeSold(u, op, orderId, line);
				await op.emit("inventory.committed", orderId, { orderId, items: publicLines(reservation.lines) });
				return true;
			});
			if (!done) continue;
			return { status: "committed" };
		}
	}

	/** Applies the lines of a reservation this worker owns (status reserving, `version` as given). */
	private async run(op: OpContext, reservation: ReservationDoc): Promise<ReserveOutcome> {
		const { orderId } = reservation;
		let version = reservation.version;
		const applied: ReservationLine[] = [];
		const held: ItemDoc[] = [];
		let shortOf = reservation.lines.find(l => !l.itemId)?.productId;

		const lines = shortOf ? [] : reservation.lines;
		let reserved: ReservationDoc | null = null;
		for (const [i, line] of lines.entries()) {
			const last = i === lines.length - 1;
			let step: { after: ItemDoc; recorded: ReservationDoc } | null;
			try {
				step = await this.atomically(u => this.applyLine(u, op, reservation, line, [...applied, line], last, version));
			} catch (err) {
				if (err instanceof TakenOver) return this.settle(op, orderId, false);
				throw err;
			}
			if (!step) {
				shortOf = line.productId;
				break;
			}
			version++;
			applied.push(line);
			held.push(step.after);
			if (last) reserved = step.recorded;
		}

		if (shortOf) {
			// The record is dropped with (or, without transactions, before) the give-back: never given twice.
			const rolledBack = await this.atomically(async u => {
				const failed = await u.reservations.updateById(
					reservation.id,
					{ set: { status: "failed", failedProductId: shortOf, applied: [], updatedAt: nowIso() }, inc: { version: 1 } },
					{ status: "reserving", version }
				);
				if (!failed) return null;
				const after: Array<ItemDoc | null> = [];
				for (const line of applied) after.push(await this.giveBack(u, op, orderId, line, "reservation failed: rolled back"));
				await this.report(op, failed, true);
				return { failed, after };
			});
			if (!rolledBack) return this.settle(op, orderId, false);
			await this.rearmLowStock(rolledBack.after);
			return this.report(op, rolledBack.failed, false);
		}

		// An order without lines has nothing to record (its last line's step recorded the outcome and its event otherwise).
		reserved ??= await this.atomically(async u => {
			const recorded = await u.reservations.updateById(
				reservation.id,
				{ set: { status: "reserved", updatedAt: nowIso() }, inc: { version: 1 } },
				{ status: "reserving", version }
			);
			if (recorded) await this.report(op, recorded, true);
			return recorded;
		});
		if (!reserved) return this.settle(op, orderId, false);
		for (const item of held) await this.stock.lowStock.checkDrop(op, item);
		return this.report(op, reserved, false);
	}

	/**
	 * The outcome of a reservation someone else created: waits while it is in flight, and takes over
	 * one that stayed "reserving" without any write for stuckAfterMs (its worker died): rolls back
	 * the lines it recorded as applied, then reserves again as the new owner.
	 */
	private async settle(op: OpContext, orderId: string, reemit: boolean): Promise<ReserveOutcome> {
		const deadline = Date.now() + 2 * this.stuckAfterMs + 1000;
		let wait = 5;
		for (;;) {
			const reservation = await this.existing(orderId);
			if (reservation.status !== "reserving") return this.report(op, reservation, reemit);
			if (Date.now() - Date.parse(reservation.updatedAt) >= this.stuckAfterMs) {
				const taken = await this.atomically(async u => {
					const claimed = await u.reservations.updateById(
						reservation.id,
						{ set: { applied: [], updatedAt: nowIso() }, inc: { version: 1 } },
						{ status: "reserving", version: reservation.version }
					);
					if (!claimed) return null;
					const after: Array<ItemDoc | null> = [];
					for (const line of reservation.applied ?? [])
						after.push(await this.giveBack(u, op, orderId, line, "abandoned reservation rolled back"));
					return { claimed, after };
				});
				if (taken) {
					this.logger?.warn(`Reservation of order ${orderId} was abandoned while reserving; rolled it back, retrying`);
					await this.rearmLowStock(taken.after);
					return this.run(op, taken.claimed);
				}
				continue;
			}
			if (Date.now() > deadline) return { status: "reserving" };
			await sleep(wait);
			wait = Math.min(wait * 2, 200);
		}
	}

	/** The outcome of a settled reservation, emitting its event (again) when asked. */
	private async report(op: OpContext, reservation: ReservationDoc, emit: boolean): Promise<ReserveOutcome> {
		const { orderId, status } = reservation;
		if (status === "failed") {
			const productId = reservation.failedProductId!;
			if (emit) await op.emit("inventory.reservation_failed", orderId, { orderId, reason: "out_of_stock", productId });
			return { status, productId };
		}
		if (status === "reserved" && emit) await op.emit("inventory.reserved", orderId, { orderId, items: publicLines(reservation.lines) });
		return { status };
	}

	private async existing(orderId: string): Promise<ReservationDoc> {
		const reservation = await this.store.findOne({ orderId });
		if (!reservation) throw new NotFoundError("Reservation", orderId);
		return reservation;
	}

	/**
	 * Applies one line to its item and records it in the reservation (with `last`, the outcome too);
	 * null when the item is short. Throws TakenOver when another worker owns the reservation now.
	 */
	private async applyLine(
		u: Unit,
		op: OpContext,
		reservation: ReservationDoc,
		line: ReservationLine,
		applied: ReservationLine[],
		last: boolean,
		version: number
	): Promise<{ after: ItemDoc; recorded: ReservationDoc } | null> {
		const after = await u.items.updateById(
			line.itemId!,
			{ inc: { reserved: line.quantity, available: -line.quantity, seq: 1 }, set: { updatedAt: nowIso() } },
			{ available: { gte: line.quantity } }
		);
		if (!after) return null;
		const { orderId } = reservation;
		await u.movements.record(op, after, { type: "reserve", quantity: line.quantity, inc: { reserved: line.quantity }, orderId });
		// The last line is recorded together with the outcome: the same record, one write less.
		const recorded = await u.reservations.updateById(
			reservation.id,
			{ set: { applied, ...(last ? { status: "reserved" } : {}), updatedAt: nowIso() }, inc: { version: 1 } },
			{ status: "reserving", version }
		);
		if (!recorded) {
			// In a transaction the throw undoes this line; without one it is held but unrecorded, so ours to give back.
			if (!u.atomic) await this.rearmLowStock([await this.giveBack(u, op, orderId, line, "reservation taken over")]);
			throw new TakenOver();
		}
		if (last) await this.report(op, recorded, true);
		return { after, recorded };
	}

	/** Runs one step in a transaction where the database runs them, else as ordered writes. */
	private async atomically<R>(step: (u: Unit) => Promise<R>): Promise<R> {
		const { items, movements } = this.stock;
		if (this.transactions) {
			try {
				return await this.transaction(tx =>
					step({
						items: tx.bind(items),
						reservations: tx.bind(this.store),
						movements: movements.bind(tx),
						atomic: tx.atomic ?? true
					})
				);
			} catch (err) {
				if (!(err instanceof TransactionsUnsupportedError)) throw err;
				this.transactions = false;
				this.logger?.warn(`${err.message}: reservations fall back to ordered writes`);
			}
		}
		return step({ items, reservations: this.store, movements, atomic: false });
	}

	/** After stock came back: re-arms the low-stock alert of each item that rose above its threshold. */
	private async rearmLowStock(items: Array<ItemDoc | null>): Promise<void> {
		for (const item of items) if (item) await this.stock.lowStock.checkRise(item);
	}

	private async transition(u: Unit, reservation: ReservationDoc, to: ReservationStatus): Promise<boolean> {
		const moved = await u.reservations.updateById(
			reservation.id,
			{ set: { status: to, updatedAt: nowIso() }, inc: { version: 1 } },
			{ status: reservation.status }
		);
		return moved !== null;
	}

	/** Gives a held line back to its item (reserved -q, available +q); the item after, null when it could not. */
	private async giveBack(u: Unit, op: OpContext, orderId: string, line: ReservationLine, reason: string): Promise<ItemDoc | null> {
		const q = line.quantity;
		const after = await u.items.updateById(
			line.itemId!,
			{ inc: { reserved: -q, available: q, seq: 1 }, set: { updatedAt: nowIso() } },
			{ reserved: { gte: q } }
		);
		if (!after) {
			this.logger?.error(`Cannot give back ${q} of product ${line.productId} for order ${orderId}: the item holds less (or is gone)`);
			return null;
		}
		await u.movements.record(op, after, { type: "release", quantity: q, inc: { reserved: -q }, orderId, reason });
		return after;
	}

	/** Ships a held line: it leaves both onHand and reserved (available unchanged). */
	private async takeSold(u: Unit, op: OpContext, orderId: string, line: ReservationLine): Promise<void> {
		const q = line.quantity;
		const after = await u.items.updateById(
			line.itemId!,
			{ inc: { onHand: -q, reserved: -q, seq: 1 }, set: { updatedAt: nowIso() } },
			{ reserved: { gte: q }, onHand: { gte: q } }
		);
		if (!after) {
			this.logger?.error(`Cannot commit ${q} of product ${line.productId} for order ${orderId}: the item holds less (or is gone)`);
			return;
		}
		await u.movements.record(op, after, {
			type: "commit",
			quantity: q,
			inc: { onHand: -q, reserved: -q },
			orderId,
			reason: "order shipped"
		});
	}
}

function invalidState(reservation: ReservationDoc, to: ReservationStatus): ConflictError {
	return new ConflictError(
		`The reservation of this order is ${reservation.status}; it cannot become ${to}`,
		"INVALID_RESERVATION_STATE",
		{
			orderId: reservation.orderId,
			status: reservation.status
		}
	);
}
