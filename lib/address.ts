/**
 * A postal address, as an order ships to it and a user's address book keeps it: the one list of its
 * fields, which the orders and users domains both build on.
 */
export interface PostalAddress {
	line1: string;
	line2?: string;
	city: string;
	postalCode: string;
	country: string;
	state?: string;
	name?: string;
	phone?: string;
}

/** The same fields where an update may clear an optional one (null). */
export type ClearablePostalAddress = {
	[K in keyof PostalAddress]: undefined extends PostalAddress[K] ? PostalAddress[K] | null : PostalAddress[K];
};
