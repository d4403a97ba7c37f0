/**
 * fastest-validator rules of the users service's actions. The broker's validator makes every
 * schema strict, so an unknown field (e.g. `roles` on register or updateMe) is a 422.
 */
import type { ClearablePostalAddress } from "../address";
import { COUNTRY_CODES } from "./countries";

const text = (max: number) => ({ type: "string", trim: true, min: 1, max });
const optionalText = (max: number) => ({ ...text(max), optional: true, nullable: true });

/** Trimmed and lowercased before it is checked, so " Ann@Example.COM " is stored as "ann@example.com". */
export const emailRule = { type: "email", mode: "precise", normalize: true, max: 254 };
/** Only bounded here; strength is checked by passwordWeakness() so the 422 says what is missing. */
export const newPasswordRule = { type: "string", max: 1024 };
export const passwordRule = { type: "string", min: 1, max: 1024 };
export const nameRule = text(100);
export const idRule = { type: "string", min: 1, max: 128 };
export const refreshTokenRule = { type: "string", min: 1, max: 512 };
/** Capped like every list's page: a page of 1e308 made an offset the database refused (a 500). */
export const pageRule = { type: "number", convert: true, integer: true, positive: true, max: 1_000_000, optional: true };
export const pageSizeRule = { type: "number", convert: true, integer: true, positive: true, max: 100, optional: true };

const countryRule = {
	type: "string",
	trim: true,
	uppercase: true,
	enum: COUNTRY_CODES,
	messages: { stringEnum: "The 'country' field must be an ISO 3166-1 alpha-2 country code, such as DE or US." }
};

const phoneRule = {
	type: "string",
	trim: true,
	pattern: /^\+?[0-9][0-9 ()./-]{2,29}$/,
	optional: true,
	nullable: true,
	messages: { stringPattern: "The 'phone' field must be a phone number (digits, spaces, + ( ) . / -)." }
};

export const addressCreateParams = {
	line1: text(200),
	line2: optionalText(200),
	city: text(100),
	postalCode: text(20),
	country: countryRule,
	state: optionalText(100),
	name: optionalText(100),
	phone: phoneRule,
	isDefault: { type: "boolean", optional: true }
};

/** Partial update: every field optional; the required ones cannot be cleared, the optional ones can (null). */
export const addressUpdateParams = {
	id: idRule,
	line1: { ...text(200), optional: true },
	line2: optionalText(200),
	city: { ...text(100), optional: true },
	postalCode: { ...text(20), optional: true },
	country: { ...countryRule, optional: true },
	state: optionalText(100),
	name: optionalText(100),
	phone: phoneRule,
	isDefault: { type: "boolean", optional: true }
};

export interface AddressInput extends ClearablePostalAddress {
	isDefault?: boolean;
}
