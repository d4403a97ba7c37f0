/**
 * What Moleculer 0.15 has at run time but its type declarations leave out.
 */
import type { Middleware, ServiceBroker } from "moleculer";

declare module "moleculer" {
	// eslint-disable-next-line @typescript-eslint/no-unused-vars -- merged into ServiceSchema, it repeats all of its type parameters
	interface ServiceSchema<TSettings, TMethods, TVars, TThis> {
		/**
		 * Runs with the schema once its mixins are merged, before the service sets up its actions and
		 * events (service.js, parseServiceSchema): a mixin changes the final schema here.
		 */
		merged?: ((this: TThis, schema: ServiceSchema<TSettings>) => void) | ((this: TThis, schema: ServiceSchema<TSettings>) => void)[];
	}

	/** The built-in middlewares, each a factory taking the broker (src/middlewares/index.js); read only in lib/broker/moleculer-internals.ts. */
	export const Middlewares: {
		Metrics(broker: ServiceBroker): Middleware & { created(): void };
	};
}

declare module "moleculer/src/metrics/types/base" {
	interface BaseMetricOptions {
		/** Gauges, counters and histograms then keep a rate of their values (types/gauge.js, histogram.js). */
		rate?: boolean;
	}
}
