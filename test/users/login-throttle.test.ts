/**
 * LoginThrottle on its own (memory store): failures per account and address, growing locks,
 * reset on success, parallel attempts; with a controlled clock where the test needs one.
 */
import { throttleAddress } from "../../lib/client-address";
import { LoginThrottle } from "../../lib/users/login-throttle";
import { MemoryThrottleStore } from "../../lib/users/throttle-store";

const A = "203.0.113.1";
const B = "198.51.100.2";
const right = async () => ({ ok: true });
const wrong = async () => null;

function throttle(maxFailures: number, firstDelayMs: number, lockMs: number) {
	const store = new MemoryThrottleStore();
	return { t: new LoginThrottle(store, { maxFailures, firstDelayMs, lockMs }), store };
}

describe("LoginThrottle with a controlled clock", () => {
	let now = 1_700_000_000_000;
	beforeEach(() => jest.spyOn(Date, "now").mockImplementation(() => now));
	afterEach(() => jest.restoreAllMocks());

	it("locks after maxFailures failures for the first delay, then doubles per failure up to lockMs", async () => {
		const { t } = throttle(3, 1000, 5000);
		for (let i = 0; i < 2; i++) expect(await t.guard("a@x.io", A, wrong)).toBeNull();
		expect(await t.guard("a@x.io", A, wrong)).toBeNull(); // the third failure locks for 1 s
		const check = jest.fn(right);
		await expect(t.guard("a@x.io", A, check)).rejects.toMatchObject({ code: 429, data: { retryAfter: 1 } });
		expect(check).not.toHaveBeenCalled(); // locked: the password is not even checked

		const locks: number[] = [];
		for (let i = 0; i < 4; i++) {
			now += 5001; // past the previous lock
			expect(await t.guard("a@x.io", A, wrong)).toBeNull();
			const err = await t.guard("a@x.io", A, right).catch((e: { data: { retryAfter: number } }) => e);
			locks.push((err as { data: { retryAfter: number } }).data.retryAfter);
		}
		expect(locks).toEqual([2, 4, 5, 5]);
	});

	it("counts per address: another address of the same account is not locked", async () => {
		const { t } = throttle(2, 10_000, 60_000);
		await t.guard("owner@x.io", A, wrong);
		await t.guard("owner@x.io", A, wrong);
		await expect(t.guard("owner@x.io", A, right)).rejects.toMatchObject({ code: 429 });
		await expect(t.guard("owner@x.io", B, right)).resolves.toEqual({ ok: true });
		await expect(t.guard("other@x.io", A, right)).resolves.toEqual({ ok: true });
	});

	it("clears the record of an address on a success from it, not the others'", async () => {
		const { t } = throttle(2, 10_000, 60_000);
		await t.guard("a@x.io", A, wrong);
		await t.guard("a@x.io", B, wrong);
		await t.guard("a@x.io", A, right);
		await t.guard("a@x.io", A, wrong);
		await expect(t.guard("a@x.io", A, right)).resolves.toBeTruthy(); // one failure since the success
		await t.guard("a@x.io", B, wrong);
		await expect(t.guard("a@x.io", B, right)).rejects.toMatchObject({ code: 429 });
	});

	it("forgets failures lockMs after the last one, and locks lapse", async () => {
		const { t, store } = throttle(2, 10_000, 60_000);
		await t.guard("a@x.io", A, wrong);
		now += 60_001;
		await t.guard("a@x.io", A, wrong);
		await expect(t.guard("a@x.io", A, right)).resolves.toBeTruthy();
		expect(store.size).toBe(0);
		await t.guard("a@x.io", A, wrong);
		await t.guard("a@x.io", A, wrong);
		await expect(t.guard("a@x.io", A, right)).rejects.toMatchObject({ code: 429, data: { retryAfter: 10 } });
		now += 10_001;
		await expect(t.guard("a@x.io", A, right)).resolves.toBeTruthy();
	});

	it("counts nothing when the check itself fails (the database, not the password)", async () => {
		const { t } = throttle(1, 10_000, 60_000);
		const broken = async () => {
			throw new Error("db down");
		};
		await expect(t.guard("a@x.io", A, broken)).rejects.toThrow("db down");
		await expect(t.guard("a@x.io", A, broken)).rejects.toThrow("db down");
		await expect(t.guard("a@x.io", A, right)).resolves.toBeTruthy();
	});

	it("is off with maxFailures 0", async () => {
		const { t } = throttle(0, 10_000, 60_000);
		for (let i = 0; i < 10; i++) expect(await t.guard("a@x.io", A, wrong)).toBeNull();
		await expect(t.guard("a@x.io", A, right)).resolves.toBeTruthy();
	});
});

describe("LoginThrottle with parallel attempts (real time)", () => {
	const slow =
		<T>(value: T, ms = 30) =>
		() =>
			new Promise<T>(resolve => setTimeout(() => resolve(value), ms));

	it("lets every one of 10 parallel correct logins through", async () => {
		const { t } = throttle(3, 60_000, 60_000);
		const results = await Promise.all(Array.from({ length: 10 }, () => t.guard("a@x.io", A, slow({ ok: true }))));
		expect(results).toEqual(Array(10).fill({ ok: true }));
	});

	it("runs no more parallel wrong guesses than the failures left, and refuses the rest", async () => {
		const { t } = throttle(3, 60_000, 60_000);
		let checks = 0;
		const guess = () => {
			checks++;
			return slow(null)();
		};
		const results = await Promise.allSettled(Array.from({ length: 8 }, () => t.guard("a@x.io", A, guess)));
		expect(checks).toBe(3);
		expect(results.filter(r => r.status === "fulfilled")).toHaveLength(3);
		expect(results.filter(r => r.status === "rejected").map(r => (r as PromiseRejectedResult).reason.code)).toEqual(Array(5).fill(429));
	});

	it("mixed: correct logins in a burst of wrong ones from the same address still get through while not locked", async () => {
		const { t } = throttle(5, 60_000, 60_000);
		const attempts = [wrong, right, wrong, right, right, wrong].map(c => t.guard("a@x.io", A, c));
		const results = await Promise.all(attempts);
		expect(results.filter(r => r !== null)).toHaveLength(3);
	});
});

describe("throttleAddress", () => {
	it("counts IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by /64, and no address as one", () => {
		expect(throttleAddress("203.0.113.9")).toBe("203.0.113.9");
		expect(throttleAddress("::ffff:203.0.113.9")).toBe("203.0.113.9");
		expect(throttleAddress("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
		expect(throttleAddress("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
		expect(throttleAddress("2001:db8::1")).toBe("2001:db8:0:0::/64");
		expect(throttleAddress("::1")).toBe("0:0:0:0::/64");
		expect(throttleAddress(undefined)).toBe("internal");
		expect(throttleAddress("not-an-address")).toBe("internal");
	});
});
