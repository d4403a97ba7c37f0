/** What leaves the service: never the password hash, nor storage details such as defaultSlot. */
import type { PostalAddress } from "../address";
import type { AddressDoc, Role, UserDoc } from "./collections";

export interface PublicUser {
	id: string;
	email: string;
	name: string;
	roles: Role[];
	createdAt: string;
	updatedAt: string;
}

export interface PublicAddress extends PostalAddress {
	id: string;
	isDefault: boolean;
	createdAt: string;
	updatedAt: string;
}

export function toPublicUser(u: UserDoc): PublicUser {
	return { id: u.id, email: u.email, name: u.name, roles: [...u.roles], createdAt: u.createdAt, updatedAt: u.updatedAt };
}

const OPTIONAL_ADDRESS_FIELDS = ["line2", "state", "name", "phone"] as const;

export function toPublicAddress(a: AddressDoc): PublicAddress {
	const out: PublicAddress = {
		id: a.id,
		line1: a.line1,
		city: a.city,
		postalCode: a.postalCode,
		country: a.country,
		isDefault: a.isDefault === true,
		createdAt: a.createdAt,
		updatedAt: a.updatedAt
	};
	for (const f of OPTIONAL_ADDRESS_FIELDS) {
		const v = a[f];
		if (typeof v === "string" && v) out[f] = v;
	}
	return out;
}
