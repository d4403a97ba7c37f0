/** Runs an operation until it succeeds, fails for good, or runs out of attempts, backing off exponentially. */
export interface RetryOptions {
	attempts: number;
	/** Delay after the first failure; doubled after each further one (50, 100, 200 ...). */
	baseDelayMs: number;
	isRetryable(err: unknown): boolean;
	/** Called before each attempt (1-based), e.g. to record it. */
	onAttempt?(attempt: number): Promise<void> | void;
	sleep?(ms: number): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

export function backoffDelay(baseDelayMs: number, failedAttempt: number): number {
	return baseDelayMs * 2 ** (failedAttempt - 1);
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
	const sleep = opts.sleep ?? defaultSleep;
	for (let attempt = 1; ; attempt++) {
		await opts.onAttempt?.(attempt);
		try {
			return await operation(attempt);
		} catch (err) {
			if (attempt >= opts.attempts || !opts.isRetryable(err)) throw err;
			await sleep(backoffDelay(opts.baseDelayMs, attempt));
		}
	}
}
