/**
 * The request a piece of code runs for, carried through async calls, so that every log line
 * of a request names its request id without passing it around by hand.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestScope {
	requestId?: string;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export function currentRequestId(): string | undefined {
	return requestScope.getStore()?.requestId;
}
