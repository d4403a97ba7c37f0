/**
 * A service schema whatever its own typing of settings, methods, state and `this`: what a list of
 * schemas holds (services/domain-services.ts). Each service types its schema precisely
 * (`ServiceSchema<Settings, Methods, State, This>`); such a schema is not a plain `ServiceSchema`,
 * whose `this` is untyped, but it is one of these, with no cast.
 */
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServiceSchema = ServiceSchema<any, any, any, any>;

/**
 * What a mixin factory builds: a schema whose functions see `this` as `This`, the service as the
 * mixin knows it. Returned as a `Partial<AnyServiceSchema>`, it fits the `mixins` of any service.
 */
export type MixinSchema<This> = Partial<ServiceSchema<ServiceSettingSchema, Record<string, unknown>, Record<string, unknown>, This>>;
