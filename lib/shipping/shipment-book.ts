/**
 * Creating shipments (one per order, by the unique orderId) and moving them forward, each move a
 * conditional update on the status it starts from, so concurrent or repeated requests move a
 * shipment once.
 */
import { ConflictError } from "../errors";
import { DuplicateKeyError, type Store } from "../store";
import { chooseCarrier, trackingNumber } from "./carriers";
import type { ShipmentDoc } from "./collections";
import { REQUIRED_STATUS, type TargetStatus } from "./transitions";

export interface NewShipment {
	orderId: string;
	userId: string;
	shippingAddress: Record<string, unknown>;
}

/** `created`: this call made the shipment; otherwise it is the one that was there. */
export interface CreateResult {
	shipment: ShipmentDoc;
	created: boolean;
}

const nowIso = () => new Date().toISOString();

/** Tracking numbers are random; a clash with another shipment's is tried again with a new one. */
const MAX_TRACKING_CLASHES = 3;

export class ShipmentBook {
	constructor(private readonly shipments: Store<ShipmentDoc>) {}

	async create(input: NewShipment, by = "system"): Promise<CreateResult> {
		const existing = await this.shipments.findOne({ orderId: input.orderId });
		if (existing) return { shipment: existing, created: false };
		const carrier = chooseCarrier(input.shippingAddress.country);
		for (let clash = 0; ; clash++) {
			const at = nowIso();
			try {
				const shipment = await this.shipments.insert({
					orderId: input.orderId,
					userId: input.userId,
					carrier,
					trackingNumber: trackingNumber(carrier),
					status: "pending",
					shippingAddress: input.shippingAddress,
					history: [{ status: "pending", at, by }],
					createdAt: at,
					updatedAt: at
				});
				return { shipment, created: true };
			} catch (err) {
				if (!(err instanceof DuplicateKeyError)) throw err;
				// Created concurrently for this order: that one stands.
				const winner = await this.shipments.findOne({ orderId: input.orderId });
				if (winner) return { shipment: winner, created: false };
				if (clash + 1 >= MAX_TRACKING_CLASHES) throw err;
			}
		}
	}

	/** Moves the shipment to `target` from the one status that leads there; anything else is a 409. */
	async move(shipment: ShipmentDoc, target: TargetStatus, by: string): Promise<ShipmentDoc> {
		const from = REQUIRED_STATUS[target];
		if (shipment.status !== from) throw illegalMove(shipment, target);
		const at = nowIso();
		// The history is rewritten whole, but only by the one update that wins the status condition.
		const history = [...(Array.isArray(shipment.history) ? shipment.history : []), { status: target, at, by }];
		const moved = await this.shipments.updateById(shipment.id, { set: { status: target, history, updatedAt: at } }, { status: from });
		if (moved) return moved;
		const now = (await this.shipments.findById(shipment.id)) ?? shipment;
		throw illegalMove(now, target);
	}
}

export function illegalMove(shipment: ShipmentDoc, target: TargetStatus): ConflictError {
	return new ConflictError(`A ${shipment.status} shipment cannot become ${target}`, "INVALID_STATUS_TRANSITION", {
		status: shipment.status,
		requested: target
	});
}
