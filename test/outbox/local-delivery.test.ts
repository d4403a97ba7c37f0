/**
 * The relay hands a flow event to a consumer on its own node directly (lib/outbox/local-receivers.ts)
 * rather than by calling `<service>.receiveEvent` through the broker, with the same answer: the
 * record goes once the handler is done, stays for another attempt when the handler failed for now,
 * and once the consumer's service stopped the relay finds no consumer and keeps the event.
 */
import type { Context, ServiceSchema } from "moleculer";
import type { DomainEvent } from "../../lib/events";
import type { OutboxRecord } from "../../lib/outbox/collections";
import type { Outbox } from "../../lib/outbox/outbox";
import type { Store } from "../../lib/store";
import { DbMixin } from "../../mixins/db.mixin";
import { MessagingMixin } from "../../mixins/messaging.mixin";
import { waitFor } from "../helpers/processes";
import { startStack, type Stack } from "../helpers/stack";

/** Stands in for inventory (the flow's consumer of product.created); counts handlings and calls of its receiveEvent action. */
function standIn(seen: { runs: string[]; actionCalls: number; failNext: number }): ServiceSchema {
	return {
		name: "inventory",
		mixins: [
			DbMixin([], { outbox: true }),
			MessagingMixin({
				async "inventory:product.created"(ctx: Context<DomainEvent<unknown>>) {
					seen.runs.push(ctx.params.subject);
					if (seen.failNext > 0) {
						seen.failNext--;
						throw new Error("stock table busy");
					}
				}
			})
		],
		hooks: {
			before: {
				receiveEvent() {
					seen.actionCalls++;
				}
			}
		}
	} as unknown as ServiceSchema;
}

describe("the relay's direct delivery to a consumer on its node", () => {
	let stack: Stack;
	const seen = { runs: [] as string[], actionCalls: 0, failNext: 0 };
	type Products = { outbox: Outbox; store<T>(name: string): Store<T & { id: string }> };
	const products = () => stack.broker.getLocalService("products") as unknown as Products;
	const create = async (name: string) => (await stack.broker.call("products.create", { name, price: 5, stock: 1 })) as { id: string };

	beforeAll(async () => {
		stack = await startStack({
			services: ["products"],
			extraServices: [standIn(seen)],
			env: { OUTBOX_POLL_MS: "100", OUTBOX_RETRY_MAX_MS: "300" }
		});
	});
	afterAll(() => stack?.stop());

	it("hands the event over without a call, and forgets it once handled", async () => {
		const product = await create("Direct lamp");
		await waitFor(
			"the handling and an empty outbox",
			async () => seen.runs.includes(product.id) && (await products().outbox.pending()) === 0
		);
		expect(seen.runs.filter(id => id === product.id)).toHaveLength(1);
		expect(seen.actionCalls).toBe(0);
	});

	it("keeps the event after a failed handling and delivers it again", async () => {
		seen.failNext = 1;
		const product = await create("Retried lamp");
		await waitFor("a second handling", async () => seen.runs.filter(id => id === product.id).length === 2);
		await waitFor("an empty outbox", async () => (await products().outbox.pending()) === 0);
	});

	it("once the consumer stopped, keeps the event for a node that has it", async () => {
		await stack.broker.destroyService(stack.broker.getLocalService("inventory")!);
		const product = await create("Orphan lamp");
		const kept = await waitFor("the delivery's first failure", async () => {
			const [record] = await products()
				.store<OutboxRecord>("products_outbox")
				.find({ where: { subject: product.id } });
			return record?.attempts ? record : null;
		});
		expect(kept).toMatchObject({ type: "product.created", lastError: expect.stringMatching(/inventory/) });
		expect(seen.runs).not.toContain(product.id);
	});
});
