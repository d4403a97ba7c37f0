/**
 * Money is held as integer minor units (cents) inside and shown as a decimal number outside.
 * Two decimal places for every currency the shop sells in.
 */
export const MINOR_PER_MAJOR = 100;

/** 19.99 -> 1999 without binary floating-point drift (19.99 * 100 = 1998.9999999999998). */
export function toMinor(amount: number): number {
	return Math.round(Number((amount * MINOR_PER_MAJOR).toFixed(4)));
}

export function fromMinor(minor: number): number {
	return Number((minor / MINOR_PER_MAJOR).toFixed(2));
}

/** True when the number has at most two decimals (so it is representable in cents). */
export function hasCentPrecision(amount: number): boolean {
	return Math.abs(toMinor(amount) - amount * MINOR_PER_MAJOR) < 1e-6;
}
