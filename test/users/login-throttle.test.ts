/** LoginThrottle on its own: lock length, Retry-After, expiry and reset, with a controlled clock. */
import { LoginThrottle, localCacher } from "../../lib/users/login-throttle";

describe("LoginThrottle", () => {
	let now = 1_700_000_000_000;
	beforeEach(() => jest.spyOn(Date, "now").mockImplementation(() => now));
	afterEach(() => jest.restoreAllMocks());

	it("locks after maxFailures attempts for lockMs from the attempt that reached the limit", async () => {
		const t = new LoginThrottle(localCacher(), 3, 60_000);
		await t.attempt("a@x.io");
		now += 30_000;
		await t.attempt("a@x.io");
		await t.attempt("a@x.io");
		await expect(t.attempt("a@x.io")).rejects.toMatchObject({ code: 429, data: { retryAfter: 60 } });
		now += 45_000;
		await expect(t.attempt("a@x.io")).rejects.toMatchObject({ code: 429, data: { retryAfter: 15 } });
		await t.attempt("b@x.io");
		now += 15_001;
		await expect(t.attempt("a@x.io")).resolves.toBeUndefined();
	});

	it("forgets failures older than the window and clears on success", async () => {
		const t = new LoginThrottle(localCacher(), 2, 10_000);
		await t.attempt("a@x.io");
		now += 10_001;
		await t.attempt("a@x.io");
		await t.attempt("a@x.io");
		await expect(t.attempt("a@x.io")).rejects.toMatchObject({ code: 429 });
		now += 10_001;
		await t.attempt("a@x.io");
		await t.succeeded("a@x.io");
		await t.attempt("a@x.io");
		await t.attempt("a@x.io");
		await expect(t.attempt("a@x.io")).rejects.toMatchObject({ code: 429 });
	});

	it("is off with maxFailures 0", async () => {
		const t = new LoginThrottle(localCacher(), 0, 10_000);
		for (let i = 0; i < 10; i++) await t.attempt("a@x.io");
	});
});
