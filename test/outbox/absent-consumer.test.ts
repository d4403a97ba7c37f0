/**
 * On the bus alone, an event whose flow consumer has no live node (lib/messaging/routes.ts,
 * CONSUMERS) stays in the outbox and is delivered once a node of that service is up: a
 * product created while no inventory runs still gets its stock record. One process, embedded
 * store; "inventory down" is the inventory service not created yet on the running broker.
 */
import type { ServiceSchema } from "moleculer";
import type { Outbox } from "../../lib/outbox/outbox";
import type { OutboxRecord } from "../../lib/outbox/collections";
import type { Store } from "../../lib/store";
import InventoryService from "../../services/inventory.service";
import { waitFor } from "../helpers/processes";
import { startStack, type Stack } from "../helpers/stack";

describe("an event whose consumer has no live node (bus only)", () => {
	let stack: Stack;
	type Products = { outbox: Outbox; store<T>(name: string): Store<T & { id: string }> };
	const products = () => stack.broker.getLocalService("products") as unknown as Products;

	beforeAll(async () => {
		stack = await startStack({ services: ["products"], env: { OUTBOX_POLL_MS: "100", OUTBOX_RETRY_MAX_MS: "300" } });
	});
	afterAll(() => stack?.stop());

	it("keeps product.created until an inventory node runs, then inventory creates the stock once", async () => {
		const product = (await stack.broker.call("products.create", { name: "Waiting lamp", price: 9, stock: 4 })) as { id: string };
		const kept = await waitFor("the delivery's first failure", async () => {
			const [record] = await products().store<OutboxRecord>("products_outbox").find();
			return record?.attempts ? record : null;
		});
		expect(kept).toMatchObject({ type: "product.created", subject: product.id, lastError: expect.stringMatching(/inventory/) });

		stack.broker.createService(InventoryService as ServiceSchema);
		await stack.broker.waitForServices(["inventory"]);
		const stock = await waitFor("the stock record", async () =>
			stack.broker.call("inventory.check", { productId: product.id, quantity: 1 }).catch(() => null)
		);
		expect(stock).toMatchObject({ available: 4 });
		await waitFor("an empty outbox", async () => (await products().outbox.pending()) === 0);
	});
});
