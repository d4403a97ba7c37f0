/**
 * A service schema whatever its own typing of settings, methods, state and `this`: what a list of
 * schemas holds (services/domain-services.ts). Each service types its schema precisely
 * (`ServiceSchema<Settings, Methods, State, This>`); such a schema is not a plain `ServiceSchema`,
 * whose `this` is untyped, but it is one of these, with no cast.
 */
import type { ServiceSchema } from "moleculer";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServiceSchema = ServiceSchema<any, any, any, any>;
