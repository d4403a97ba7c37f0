/**
 * Indexes that no query needed, each written with every order: on orders, userId and status alone
 * (prefixes of the (userId, createdAt) and (status, shipmentId, updatedAt) indexes); on
 * inventory_movements, productId, orderId and at (nothing reads movements by them). The movements'
 * one query (an item's, newest first by seq) becomes a seek on (itemId, seq, id) with no sort.
 */
import type { Migration } from "../types";

export const fewerWriteIndexes: Migration = {
	name: "0010-fewer-write-indexes",
	services: {
		orders: {
			postgres: [`DROP INDEX IF EXISTS orders_user_id`, `DROP INDEX IF EXISTS orders_status`],
			mongo: {
				drop: [
					{ collection: "orders", index: "userId_1" },
					{ collection: "orders", index: "status_1" }
				]
			}
		},
		inventory: {
			postgres: [
				`CREATE INDEX IF NOT EXISTS inventory_movements_item_id_seq_id ON inventory_movements ("itemId", seq, id)`,
				`DROP INDEX IF EXISTS inventory_movements_item_id`,
				`DROP INDEX IF EXISTS inventory_movements_product_id`,
				`DROP INDEX IF EXISTS inventory_movements_order_id`,
				`DROP INDEX IF EXISTS inventory_movements_at`
			],
			mongo: {
				create: [{ collection: "inventory_movements", indexes: [{ key: { itemId: 1, seq: 1, _id: 1 } }] }],
				drop: [
					{ collection: "inventory_movements", index: "itemId_1" },
					{ collection: "inventory_movements", index: "productId_1" },
					{ collection: "inventory_movements", index: "orderId_1" },
					{ collection: "inventory_movements", index: "at_1" }
				]
			}
		}
	}
};
