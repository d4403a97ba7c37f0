/**
 * Which customer an order belongs to, learned from the order.* events every realtime node sees
 * (payment.* events name only the order). Bounded: the oldest entries go first.
 */
import { trimOldest } from "../trim-oldest";

export class OrderOwners {
	private readonly owners = new Map<string, string>();

	constructor(private readonly capacity = 50_000) {}

	get(orderId: string): string | undefined {
		return this.owners.get(orderId);
	}

	set(orderId: string, userId: string): void {
		if (this.owners.has(orderId)) return;
		this.owners.set(orderId, userId);
		trimOldest(this.owners, this.capacity);
	}
}
