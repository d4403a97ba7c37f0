import "moleculer";

declare module "moleculer" {
	interface EventSchema {
		/** With tracing on, Moleculer traces every event handler; false leaves this one out (lib/tracing/). */
		tracing?: boolean;
	}
}
