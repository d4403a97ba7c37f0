/**
 * Failover for calls to other nodes.
 *
 * A node killed without a goodbye (SIGKILL, a lost machine) stays in the balancer until it misses
 * its heartbeats (heartbeatTimeout, 15 s): every call sent to it meanwhile waits for the request
 * timeout, and the calls still pending when Moleculer finally drops it fail with a
 * RequestRejectedError. Here a call that has not answered after FAILOVER_PROBE_AFTER_MS makes the
 * caller ping the node; a node that does not answer the ping in FAILOVER_PING_TIMEOUT_MS is
 * disconnected in the registry at once. That takes it out of the balancer and rejects every call
 * pending on it. A ping is answered by the transit layer, not by a handler, so a node that is only
 * slow (a long query) answers it and stays; a node wrongly dropped (its event loop was blocked
 * past the ping timeout) comes back at its next heartbeat, which asks for its INFO again.
 *
 * A call rejected because its node went away (RequestRejectedError) becomes a
 * ServiceNotAvailableError, which the gateway answers with 503. An idempotent action's call is
 * marked retryable, so the Retry middleware (outside this one) sends it again to a live node;
 * any other may have run on the dead node, so it is not retried.
 */
import { Errors, type ActionHandler, type ActionSchema, type Context, type Middleware, type ServiceBroker } from "moleculer";
import { failoverSettings, type FailoverSettings } from "./failover-settings";

/** The inner handler of a remote action: it sends the call and answers with a promise. */
type Handler = (ctx: Context) => Promise<unknown>;

/**
 * Whether calling the action twice is harmless: `idempotent` when the action says so, otherwise a
 * cached action (its answer may come from the cache without running it) or one exposed only as
 * GET or HEAD routes. Remote actions carry these properties in their node's INFO.
 */
export function isIdempotent(action: Pick<ActionSchema, "idempotent" | "cache" | "rest">): boolean {
	if (typeof action.idempotent === "boolean") return action.idempotent;
	if (action.cache) return true;
	const routes = ([] as unknown[]).concat(action.rest ?? []);
	return routes.length > 0 && routes.every(r => typeof r === "string" && /^\s*(GET|HEAD)\s/i.test(r));
}

/** The error a call gets when its node went away while it was pending. */
export function nodeGoneError(actionName: string, nodeID: string | null, idempotent: boolean): Error {
	const err = new Errors.ServiceNotAvailableError({ action: actionName, nodeID: nodeID ?? undefined });
	// Read by the retry policy's check (moleculer.config.ts).
	(err as { retryable?: boolean }).retryable = idempotent;
	return err;
}

/** Moleculer calls it with the broker when the broker is created; the settings are read then. */
export function FailoverMiddleware(broker: ServiceBroker, settings: FailoverSettings = failoverSettings()): Middleware {
	const nodes = () => broker.registry.nodes;
	/** One ping at a time per node, shared by every slow call to it. */
	const probes = new Map<string, Promise<void>>();

	const probe = (nodeID: string) => {
		if (probes.has(nodeID)) return;
		const run = (async () => {
			// Without our own transporter every ping goes unanswered: that says nothing of the node.
			if (!broker.transit?.connected) return;
			const pong = await broker.ping(nodeID, settings.pingTimeoutMs);
			if (pong || !broker.transit?.connected || !nodes().get(nodeID)?.available) return;
			broker.logger.warn(
				`Node '${nodeID}' did not answer a ping within ${settings.pingTimeoutMs} ms while a call to it was pending: ` +
					"taken out of the balancer until it is heard from again."
			);
			nodes().disconnected(nodeID, true);
		})()
			.catch(err => broker.logger.warn(`Probing node '${nodeID}' failed: ${(err as Error).message}`))
			.finally(() => probes.delete(nodeID));
		probes.set(nodeID, run);
	};

	return {
		name: "Failover",
		remoteAction(next: Handler, action: ActionSchema): ActionHandler {
			const idempotent = isIdempotent(action);
			return function failover(ctx: Context) {
				const nodeID = ctx.nodeID ?? null;
				const call = next(ctx);
				const timeout = Number(ctx.options.timeout) || 0;
				// Before the request timeout, so that a dead node is found while its calls still wait.
				const after = timeout > 0 ? Math.min(settings.probeAfterMs, timeout / 2) : settings.probeAfterMs;
				const timer = nodeID && after > 0 ? setTimeout(() => probe(nodeID), after).unref() : undefined;
				return call.then(
					res => {
						clearTimeout(timer);
						return res;
					},
					(err: unknown) => {
						clearTimeout(timer);
						if ((err as Error | undefined)?.name === "RequestRejectedError")
							throw nodeGoneError(action.name!, nodeID, idempotent);
						throw err;
					}
				);
			};
		}
	};
}
