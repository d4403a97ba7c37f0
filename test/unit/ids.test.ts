import { newId, randomBytesFromPool } from "../../lib/ids";

describe("entity ids", () => {
	it("are UUIDs of version 7 whose first 48 bits are the creation time in milliseconds", () => {
		const before = Date.now();
		const id = newId();
		const after = Date.now();
		expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		const ms = parseInt(id.replace(/-/g, "").slice(0, 12), 16);
		expect(ms).toBeGreaterThanOrEqual(before);
		expect(ms).toBeLessThanOrEqual(after);
	});

	it("sort by creation time across milliseconds and never repeat", async () => {
		const early = newId();
		await new Promise(r => setTimeout(r, 3));
		const late = newId();
		expect(early < late).toBe(true);
		const many = Array.from({ length: 100_000 }, newId);
		expect(new Set(many).size).toBe(many.length);
	});

	it("pooled random bytes are the caller's own: later draws and refills of the pool leave them as they were", () => {
		const first = randomBytesFromPool(18);
		const copy = Buffer.from(first);
		// More than the 4 KiB pool holds, so it is refilled at least once meanwhile.
		const later = Array.from({ length: 600 }, () => randomBytesFromPool(16).toString("hex"));
		expect(first.length).toBe(18);
		expect(first.equals(copy)).toBe(true);
		expect(new Set(later).size).toBe(later.length);
	});

	it("refuses more pooled random bytes than the pool holds instead of answering fewer", () => {
		expect(() => randomBytesFromPool(4097)).toThrow(RangeError);
		expect(randomBytesFromPool(4096).length).toBe(4096);
	});
});
