/**
 * Card checks of the simulated provider: number (digits, length, Luhn), expiry, CVC, brand.
 * Errors name the fields as the order body has them (`payment.cardNumber`, ...) and never echo
 * the values.
 */
import { InvalidFieldsError } from "../errors";
import type { CardBrand } from "./collections";

export interface CardInput {
	cardNumber?: unknown;
	expMonth?: unknown;
	expYear?: unknown;
	cvc?: unknown;
}

export interface ValidCard {
	number: string;
	expMonth: number;
	expYear: number;
	brand: CardBrand;
	last4: string;
}

type FieldError = { field: string; message: string; type?: string };

export function luhnValid(digits: string): boolean {
	let sum = 0;
	for (let i = 0; i < digits.length; i++) {
		let d = digits.charCodeAt(digits.length - 1 - i) - 48;
		if (i % 2 === 1) {
			d *= 2;
			if (d > 9) d -= 9;
		}
		sum += d;
	}
	return sum % 10 === 0;
}

export function detectBrand(digits: string): CardBrand {
	if (digits.startsWith("4")) return "visa";
	const two = Number(digits.slice(0, 2));
	const four = Number(digits.slice(0, 4));
	if (two >= 51 && two <= 55) return "mastercard";
	if (four >= 2221 && four <= 2720) return "mastercard";
	if (two === 34 || two === 37) return "amex";
	return "unknown";
}

/** An integer given as a number or as a string of digits ("07"); anything else is undefined. */
function wholeNumber(value: unknown): number | undefined {
	if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
	if (typeof value === "string" && /^\s*\d{1,4}\s*$/.test(value)) return Number(value);
	return undefined;
}

function checkNumber(value: unknown, errors: FieldError[]): string | undefined {
	const field = "payment.cardNumber";
	if (value === undefined || value === null || value === "") {
		errors.push({ field, type: "required", message: "The card number is required." });
		return undefined;
	}
	// Spaces and dashes are how people write card numbers; anything else is refused.
	const digits =
		typeof value === "string"
			? value.replace(/[\s-]/g, "")
			: typeof value === "number" && Number.isSafeInteger(value)
				? String(value)
				: "";
	if (!/^\d{12,19}$/.test(digits)) {
		errors.push({ field, type: "cardNumber", message: "The card number must be 12 to 19 digits." });
		return undefined;
	}
	if (!luhnValid(digits)) {
		errors.push({ field, type: "cardNumberLuhn", message: "The card number is not valid." });
		return undefined;
	}
	return digits;
}

function checkExpiry(monthValue: unknown, yearValue: unknown, now: Date, errors: FieldError[]) {
	const month = wholeNumber(monthValue);
	let year = wholeNumber(yearValue);
	let ok = true;
	if (month === undefined || month < 1 || month > 12) {
		errors.push({ field: "payment.expMonth", type: "expMonth", message: "The expiry month must be a number from 1 to 12." });
		ok = false;
	}
	// A two-digit year means this century ("27" is 2027).
	if (year !== undefined && year < 100) year += 2000;
	if (year === undefined || year < 2000 || year > 2100) {
		errors.push({ field: "payment.expYear", type: "expYear", message: "The expiry year must be a four-digit year." });
		return undefined;
	}
	const thisYear = now.getUTCFullYear();
	const thisMonth = now.getUTCMonth() + 1;
	if (year < thisYear) {
		errors.push({ field: "payment.expYear", type: "cardExpired", message: "The card has expired." });
		return undefined;
	}
	if (!ok) return undefined;
	// A card is valid to the end of its expiry month.
	if (year === thisYear && month! < thisMonth) {
		errors.push({ field: "payment.expMonth", type: "cardExpired", message: "The card has expired." });
		return undefined;
	}
	return { expMonth: month!, expYear: year };
}

function checkCvc(value: unknown, errors: FieldError[]): void {
	const text = typeof value === "string" ? value.trim() : typeof value === "number" && Number.isInteger(value) ? String(value) : "";
	if (!/^\d{3,4}$/.test(text)) errors.push({ field: "payment.cvc", type: "cvc", message: "The CVC must be 3 or 4 digits." });
}

/** Checks every field and reports all failing ones in one 422. */
export function validateCard(card: CardInput, now: Date = new Date()): ValidCard {
	const errors: FieldError[] = [];
	const number = checkNumber(card.cardNumber, errors);
	const expiry = checkExpiry(card.expMonth, card.expYear, now, errors);
	checkCvc(card.cvc, errors);
	if (errors.length || !number || !expiry) throw new InvalidFieldsError(errors);
	return { number, ...expiry, brand: detectBrand(number), last4: number.slice(-4) };
}
