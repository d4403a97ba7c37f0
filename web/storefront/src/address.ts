/** Shipping addresses as the API has them (GET /users/me/addresses) and as a form edits them. */
export interface Address {
	id: string;
	name?: string | null;
	line1: string;
	line2?: string | null;
	city: string;
	postalCode: string;
	country: string;
	state?: string | null;
	phone?: string | null;
	isDefault: boolean;
}

export type AddressForm = Record<"name" | "line1" | "line2" | "city" | "postalCode" | "country" | "phone", string>;

export const EMPTY_ADDRESS: AddressForm = { name: "", line1: "", line2: "", city: "", postalCode: "", country: "", phone: "" };

/** The request body: empty optional fields left out. */
export function addressBody(form: AddressForm): Record<string, string> {
	const body: Record<string, string> = {};
	for (const [k, v] of Object.entries(form)) if (v.trim()) body[k] = v.trim();
	return body;
}

export function addressLine(a: Pick<Address, "name" | "line1" | "line2" | "city" | "postalCode" | "country">): string {
	return [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country].filter(Boolean).join(", ");
}
