/** The order's shipping address: given inline, or taken from the user's address book by addressId. */
import { invalidField } from "../errors";
import type { ShippingAddress } from "./collections";

const FIELDS = ["line1", "line2", "city", "postalCode", "country", "state", "name", "phone"] as const;

/** Only the address fields, without empty optional ones (the address book adds id, isDefault, dates). */
export function normalizeAddress(raw: Record<string, unknown>): ShippingAddress {
	const out: Partial<ShippingAddress> = {};
	for (const f of FIELDS) {
		const v = raw[f];
		if (typeof v === "string" && v.trim()) out[f] = v.trim();
	}
	// The required fields are there: the order's params checked them, or the address book stored them.
	return out as ShippingAddress;
}

/** Exactly one of the two is required; a 422 naming shippingAddress otherwise. */
export function checkAddressChoice(shippingAddress: unknown, addressId: unknown): void {
	if (shippingAddress !== undefined && shippingAddress !== null && addressId !== undefined && addressId !== null)
		throw invalidField("shippingAddress", "Give either 'shippingAddress' or 'addressId', not both.", "oneOf");
	if ((shippingAddress === undefined || shippingAddress === null) && (addressId === undefined || addressId === null))
		throw invalidField("shippingAddress", "A 'shippingAddress' or an 'addressId' from your address book is required.", "required");
}
