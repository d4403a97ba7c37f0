/** What every mutating inventory operation needs from its caller: who acts, and how to emit events. */

/** Emits one domain event (the service binds it to emitDomainEvent with the action's context). */
export type Emit = (type: string, subject: string, data: unknown) => Promise<unknown>;

export interface OpContext {
	/** The user id from ctx.meta.user, or "system". */
	actor: string;
	emit: Emit;
}

export const nowIso = () => new Date().toISOString();
