/**
 * Keeps a service's cached action results fresh on every node (kantab style).
 *
 * Domain events (product.updated, ...) are balanced: one instance of each listening service group
 * receives them, so they cannot clean the memory cache of every node. Instead, after each write a
 * service calls `this.cacheChanged()`, which cleans the local cache at once (the writer's next read
 * is fresh) and broadcasts `cache.clean.<service>` to all nodes. Every instance of a service that
 * mixes in `CacheCleaner(["products", ...])` listens on `cache.clean.products` (and the others named)
 * and drops its own entries (`<service>.**`). With the Redis cacher one clean would do; the broadcast is
 * harmless there.
 */
import type { Context, Service, ServiceSchema } from "moleculer";

export interface CacheCleanerThis {
	/** Call after every write: cleans this service's cache here and on every other node. */
	cacheChanged(): Promise<void>;
	/** Cleans this service's entries in this node's cacher. */
	cleanLocalCache(): Promise<void>;
}

export const cacheCleanEvent = (serviceName: string) => `cache.clean.${serviceName}`;

/** `sources`: the services whose writes make this service's cached results stale (usually itself first). */
export function CacheCleaner(sources: string[]): Partial<ServiceSchema> {
	const events: Record<string, { handler(this: Service & CacheCleanerThis, ctx: Context): Promise<void> }> = {};
	for (const source of sources) {
		events[cacheCleanEvent(source)] = {
			async handler() {
				await this.cleanLocalCache();
			}
		};
	}
	return {
		events,
		methods: {
			async cleanLocalCache(this: Service) {
				if (!this.broker.cacher) return;
				try {
					await this.broker.cacher.clean(`${this.name}.**`);
				} catch (err) {
					this.logger.warn(`Could not clean the '${this.name}' cache: ${(err as Error).message}`);
				}
			},
			async cacheChanged(this: Service & CacheCleanerThis) {
				await this.cleanLocalCache();
				try {
					await this.broker.broadcast(cacheCleanEvent(this.name));
				} catch (err) {
					// The write is done; other nodes' entries expire with their TTL.
					this.logger.warn(`Could not broadcast ${cacheCleanEvent(this.name)}: ${(err as Error).message}`);
				}
			}
		}
	};
}
