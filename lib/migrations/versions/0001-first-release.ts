/**
 * The schema of release 0.1.0 as first published (6eebf57), as its Sequelize sync() created it on
 * PostgreSQL and Mongoose created the indexes on MongoDB. Every statement is conditional: on a
 * database of that release, or of any later one, this migration creates only what is absent.
 */
import type { Migration } from "../types";

export const firstRelease: Migration = {
	name: "0001-first-release",
	services: {
		carts: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS carts (
				id VARCHAR(64) PRIMARY KEY,
				"userId" TEXT NOT NULL UNIQUE,
				items JSONB NOT NULL,
				version BIGINT DEFAULT 0 NOT NULL,
				"appliedKeys" JSONB NOT NULL,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`
			],
			mongo: { create: [{ collection: "carts", indexes: [{ key: { userId: 1 }, unique: true, sparse: false }] }] }
		},
		inventory: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS inventory_items (
				id VARCHAR(64) PRIMARY KEY,
				"productId" TEXT NOT NULL UNIQUE,
				"onHand" BIGINT NOT NULL,
				reserved BIGINT NOT NULL,
				available BIGINT NOT NULL,
				"lowStockThreshold" BIGINT NOT NULL,
				"lowStockAlerted" BOOLEAN NOT NULL,
				seq BIGINT NOT NULL,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS inventory_items_available ON inventory_items (available)`,
				`CREATE INDEX IF NOT EXISTS inventory_items_low_stock_alerted ON inventory_items ("lowStockAlerted")`,
				`CREATE INDEX IF NOT EXISTS inventory_items_created_at ON inventory_items ("createdAt")`,
				`CREATE TABLE IF NOT EXISTS reservations (
				id VARCHAR(64) PRIMARY KEY,
				"orderId" TEXT NOT NULL UNIQUE,
				status TEXT NOT NULL,
				lines JSONB NOT NULL,
				applied JSONB NOT NULL,
				version BIGINT NOT NULL,
				"failedProductId" TEXT,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS reservations_status ON reservations (status)`,
				`CREATE TABLE IF NOT EXISTS inventory_movements (
				id VARCHAR(64) PRIMARY KEY,
				"itemId" TEXT NOT NULL,
				"productId" TEXT NOT NULL,
				type TEXT NOT NULL,
				quantity BIGINT NOT NULL,
				"onHandBefore" BIGINT NOT NULL,
				"onHandAfter" BIGINT NOT NULL,
				"reservedBefore" BIGINT NOT NULL,
				"reservedAfter" BIGINT NOT NULL,
				seq BIGINT NOT NULL,
				"orderId" TEXT,
				actor TEXT NOT NULL,
				reason TEXT,
				at TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS inventory_movements_item_id ON inventory_movements ("itemId")`,
				`CREATE INDEX IF NOT EXISTS inventory_movements_product_id ON inventory_movements ("productId")`,
				`CREATE INDEX IF NOT EXISTS inventory_movements_order_id ON inventory_movements ("orderId")`,
				`CREATE INDEX IF NOT EXISTS inventory_movements_at ON inventory_movements (at)`
			],
			mongo: {
				create: [
					{
						collection: "inventory_items",
						indexes: [
							{ key: { productId: 1 }, unique: true, sparse: false },
							{ key: { available: 1 } },
							{ key: { lowStockAlerted: 1 } },
							{ key: { createdAt: 1 } }
						]
					},
					{ collection: "reservations", indexes: [{ key: { orderId: 1 }, unique: true, sparse: false }, { key: { status: 1 } }] },
					{
						collection: "inventory_movements",
						indexes: [{ key: { itemId: 1 } }, { key: { productId: 1 } }, { key: { orderId: 1 } }, { key: { at: 1 } }]
					}
				]
			}
		},
		logs: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS logs (
				id VARCHAR(64) PRIMARY KEY,
				"time" TEXT NOT NULL,
				level TEXT NOT NULL,
				"levelValue" BIGINT NOT NULL,
				node TEXT NOT NULL,
				service TEXT NOT NULL,
				message TEXT NOT NULL,
				"requestId" TEXT,
				fields JSONB,
				seq BIGINT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS logs_time ON logs ("time")`,
				`CREATE INDEX IF NOT EXISTS logs_level ON logs (level)`,
				`CREATE INDEX IF NOT EXISTS logs_level_value ON logs ("levelValue")`,
				`CREATE INDEX IF NOT EXISTS logs_service ON logs (service)`,
				`CREATE INDEX IF NOT EXISTS logs_request_id ON logs ("requestId")`
			],
			mongo: {
				create: [
					{
						collection: "logs",
						indexes: [
							{ key: { time: 1 } },
							{ key: { level: 1 } },
							{ key: { levelValue: 1 } },
							{ key: { service: 1 } },
							{ key: { requestId: 1 } }
						]
					}
				]
			}
		},
		notifications: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS notifications (
				id VARCHAR(64) PRIMARY KEY,
				recipient TEXT NOT NULL,
				"userId" TEXT,
				channel TEXT NOT NULL,
				template TEXT NOT NULL,
				subject TEXT NOT NULL,
				body TEXT NOT NULL,
				html TEXT,
				status TEXT NOT NULL,
				attempts BIGINT DEFAULT 0 NOT NULL,
				"lastError" TEXT,
				"relatedId" TEXT,
				"eventId" TEXT NOT NULL UNIQUE,
				"nextAttemptAt" TEXT NOT NULL,
				"messageId" TEXT,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL,
				"sentAt" TEXT
			)`,
				`CREATE INDEX IF NOT EXISTS notifications_user_id ON notifications ("userId")`,
				`CREATE INDEX IF NOT EXISTS notifications_related_id ON notifications ("relatedId")`,
				`CREATE INDEX IF NOT EXISTS notifications_next_attempt_at ON notifications ("nextAttemptAt")`,
				`CREATE INDEX IF NOT EXISTS notifications_created_at ON notifications ("createdAt")`
			],
			mongo: {
				create: [
					{
						collection: "notifications",
						indexes: [
							{ key: { userId: 1 } },
							{ key: { relatedId: 1 } },
							{ key: { eventId: 1 }, unique: true, sparse: false },
							{ key: { nextAttemptAt: 1 } },
							{ key: { createdAt: 1 } }
						]
					}
				]
			}
		},
		orders: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS orders (
				id VARCHAR(64) PRIMARY KEY,
				"userId" TEXT NOT NULL,
				status TEXT NOT NULL,
				"cancelReason" TEXT,
				items JSONB NOT NULL,
				"totalMinor" BIGINT NOT NULL,
				currency TEXT NOT NULL,
				"shippingAddress" JSONB NOT NULL,
				payment JSONB,
				"statusHistory" JSONB NOT NULL,
				"idempotencyKey" TEXT UNIQUE,
				version BIGINT DEFAULT 0 NOT NULL,
				"redrivenAt" TEXT NOT NULL,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS orders_user_id ON orders ("userId")`,
				`CREATE INDEX IF NOT EXISTS orders_status ON orders (status)`,
				`CREATE INDEX IF NOT EXISTS orders_created_at ON orders ("createdAt")`,
				`CREATE INDEX IF NOT EXISTS orders_status_updated_at ON orders (status, "updatedAt")`,
				`CREATE INDEX IF NOT EXISTS orders_user_id_created_at ON orders ("userId", "createdAt")`
			],
			mongo: {
				create: [
					{
						collection: "orders",
						indexes: [
							{ key: { userId: 1 } },
							{ key: { status: 1 } },
							{ key: { idempotencyKey: 1 }, unique: true, sparse: true },
							{ key: { createdAt: 1 } },
							{ key: { status: 1, updatedAt: 1 } },
							{ key: { userId: 1, createdAt: 1 } }
						]
					}
				]
			}
		},
		payments: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS payments (
				id VARCHAR(64) PRIMARY KEY,
				"orderId" TEXT NOT NULL UNIQUE,
				"userId" TEXT NOT NULL,
				"amountMinor" BIGINT NOT NULL,
				currency TEXT NOT NULL,
				status TEXT NOT NULL,
				brand TEXT,
				last4 TEXT,
				"providerRef" TEXT,
				"failureReason" TEXT,
				attempts BIGINT DEFAULT 0 NOT NULL,
				"refundedAt" TEXT,
				"refundKey" TEXT,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS payments_user_id ON payments ("userId")`,
				`CREATE INDEX IF NOT EXISTS payments_status ON payments (status)`,
				`CREATE INDEX IF NOT EXISTS payments_created_at ON payments ("createdAt")`,
				`CREATE TABLE IF NOT EXISTS payment_methods (
				id VARCHAR(64) PRIMARY KEY,
				token TEXT NOT NULL UNIQUE,
				"userId" TEXT NOT NULL,
				brand TEXT NOT NULL,
				last4 TEXT NOT NULL,
				"expMonth" BIGINT NOT NULL,
				"expYear" BIGINT NOT NULL,
				outcome TEXT NOT NULL,
				"createdAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS payment_methods_user_id ON payment_methods ("userId")`,
				`CREATE TABLE IF NOT EXISTS provider_charges (
				id VARCHAR(64) PRIMARY KEY,
				"idempotencyKey" TEXT UNIQUE,
				"amountMinor" BIGINT NOT NULL,
				currency TEXT NOT NULL,
				status TEXT NOT NULL,
				"createdAt" TEXT NOT NULL,
				"refundedAt" TEXT
			)`
			],
			mongo: {
				create: [
					{
						collection: "payments",
						indexes: [
							{ key: { orderId: 1 }, unique: true, sparse: false },
							{ key: { userId: 1 } },
							{ key: { status: 1 } },
							{ key: { createdAt: 1 } }
						]
					},
					{
						collection: "payment_methods",
						indexes: [{ key: { token: 1 }, unique: true, sparse: false }, { key: { userId: 1 } }]
					},
					{ collection: "provider_charges", indexes: [{ key: { idempotencyKey: 1 }, unique: true, sparse: true }] }
				]
			}
		},
		products: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS products (
				id VARCHAR(64) PRIMARY KEY,
				name TEXT NOT NULL,
				"nameLower" TEXT NOT NULL,
				description TEXT DEFAULT '' NOT NULL,
				"priceMinor" BIGINT NOT NULL,
				currency TEXT NOT NULL,
				category TEXT NOT NULL,
				sku TEXT UNIQUE,
				images JSONB,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS products_name_lower ON products ("nameLower")`,
				`CREATE INDEX IF NOT EXISTS products_price_minor ON products ("priceMinor")`,
				`CREATE INDEX IF NOT EXISTS products_category ON products (category)`,
				`CREATE INDEX IF NOT EXISTS products_created_at ON products ("createdAt")`
			],
			mongo: {
				create: [
					{
						collection: "products",
						indexes: [
							{ key: { nameLower: 1 } },
							{ key: { priceMinor: 1 } },
							{ key: { category: 1 } },
							{ key: { sku: 1 }, unique: true, sparse: true },
							{ key: { createdAt: 1 } }
						]
					}
				]
			}
		},
		shipping: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS shipments (
				id VARCHAR(64) PRIMARY KEY,
				"orderId" TEXT NOT NULL UNIQUE,
				"userId" TEXT NOT NULL,
				carrier TEXT NOT NULL,
				"trackingNumber" TEXT NOT NULL UNIQUE,
				status TEXT NOT NULL,
				"shippingAddress" JSONB NOT NULL,
				history JSONB NOT NULL,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS shipments_user_id ON shipments ("userId")`,
				`CREATE INDEX IF NOT EXISTS shipments_status ON shipments (status)`,
				`CREATE INDEX IF NOT EXISTS shipments_created_at ON shipments ("createdAt")`
			],
			mongo: {
				create: [
					{
						collection: "shipments",
						indexes: [
							{ key: { orderId: 1 }, unique: true, sparse: false },
							{ key: { userId: 1 } },
							{ key: { trackingNumber: 1 }, unique: true, sparse: false },
							{ key: { status: 1 } },
							{ key: { createdAt: 1 } }
						]
					}
				]
			}
		},
		users: {
			postgres: [
				`CREATE TABLE IF NOT EXISTS users (
				id VARCHAR(64) PRIMARY KEY,
				email TEXT NOT NULL UNIQUE,
				name TEXT NOT NULL,
				"passwordHash" TEXT NOT NULL,
				roles JSONB NOT NULL,
				active BOOLEAN DEFAULT true,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS users_created_at ON users ("createdAt")`,
				`CREATE TABLE IF NOT EXISTS addresses (
				id VARCHAR(64) PRIMARY KEY,
				"userId" TEXT NOT NULL,
				line1 TEXT NOT NULL,
				line2 TEXT,
				city TEXT NOT NULL,
				"postalCode" TEXT NOT NULL,
				country TEXT NOT NULL,
				state TEXT,
				name TEXT,
				phone TEXT,
				"isDefault" BOOLEAN DEFAULT false NOT NULL,
				"defaultSlot" TEXT NOT NULL UNIQUE,
				"createdAt" TEXT NOT NULL,
				"updatedAt" TEXT NOT NULL
			)`,
				`CREATE INDEX IF NOT EXISTS addresses_user_id ON addresses ("userId")`,
				`CREATE TABLE IF NOT EXISTS refresh_tokens (
				id VARCHAR(64) PRIMARY KEY,
				"tokenHash" TEXT NOT NULL UNIQUE,
				"userId" TEXT NOT NULL,
				"familyId" TEXT NOT NULL,
				status TEXT NOT NULL,
				"expiresAt" TEXT NOT NULL,
				"createdAt" TEXT NOT NULL,
				"usedAt" TEXT,
				"revokedAt" TEXT
			)`,
				`CREATE INDEX IF NOT EXISTS refresh_tokens_user_id ON refresh_tokens ("userId")`,
				`CREATE INDEX IF NOT EXISTS refresh_tokens_family_id ON refresh_tokens ("familyId")`,
				`CREATE INDEX IF NOT EXISTS refresh_tokens_status ON refresh_tokens (status)`,
				`CREATE INDEX IF NOT EXISTS refresh_tokens_revoked_at ON refresh_tokens ("revokedAt")`
			],
			mongo: {
				create: [
					{ collection: "users", indexes: [{ key: { email: 1 }, unique: true, sparse: false }, { key: { createdAt: 1 } }] },
					{
						collection: "addresses",
						indexes: [{ key: { userId: 1 } }, { key: { defaultSlot: 1 }, unique: true, sparse: false }]
					},
					{
						collection: "refresh_tokens",
						indexes: [
							{ key: { tokenHash: 1 }, unique: true, sparse: false },
							{ key: { userId: 1 } },
							{ key: { familyId: 1 } },
							{ key: { status: 1 } },
							{ key: { revokedAt: 1 } }
						]
					}
				]
			}
		}
	}
};
