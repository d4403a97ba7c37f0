/** What every mutating inventory operation needs from its caller: who acts, and how to emit events. */

/** Records one domain event in the service's outbox (joining the transaction in progress, if any). */
export type Emit = (type: string, subject: string, data: unknown) => Promise<unknown>;

export interface OpContext {
	/** The user id from ctx.meta.user, or "system". */
	actor: string;
	emit: Emit;
}

export const nowIso = () => new Date().toISOString();
