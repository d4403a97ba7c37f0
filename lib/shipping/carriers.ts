/** Which carrier ships where, and tracking numbers in each carrier's style. */
import { randomInt } from "node:crypto";
import { randomBytesFromPool } from "../ids";
import type { Carrier } from "./collections";

/** The 27 EU member states (ISO 3166-1 alpha-2). */
export const EU_COUNTRIES: ReadonlySet<string> = new Set(
	"AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split(" ")
);

/** DHL inside the EU, UPS everywhere else (and when the country is unknown). */
export function chooseCarrier(country: unknown): Carrier {
	return typeof country === "string" && EU_COUNTRIES.has(country.trim().toUpperCase()) ? "DHL" : "UPS";
}

const UPS_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/** DHL: "JJD" + 18 digits; UPS: "1Z" + 16 upper-case letters and digits. Random, not sequential. */
export function trackingNumber(carrier: Carrier): string {
	if (carrier === "DHL") return `JJD${Array.from({ length: 18 }, () => randomInt(10)).join("")}`;
	const bytes = randomBytesFromPool(16);
	return `1Z${Array.from(bytes, b => UPS_ALPHABET[b % UPS_ALPHABET.length]).join("")}`;
}
