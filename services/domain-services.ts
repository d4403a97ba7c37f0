/**
 * Every domain service of the codebase, by name. The runner starts those named in SERVICES (all
 * when empty); the gateway reads their `rest` declarations to build its routes.
 */
import type { AnyServiceSchema } from "../types/service-schema";
import CartsService from "./carts.service";
import InventoryService from "./inventory.service";
import LogsService from "./logs.service";
import NotificationsService from "./notifications.service";
import OrdersService from "./orders.service";
import PaymentsService from "./payments.service";
import ProductsService from "./products.service";
import RealtimeService from "./realtime.service";
import ShippingService from "./shipping.service";
import UsersService from "./users.service";

export const domainServices: Record<string, AnyServiceSchema> = {
	users: UsersService,
	products: ProductsService,
	inventory: InventoryService,
	carts: CartsService,
	orders: OrdersService,
	payments: PaymentsService,
	shipping: ShippingService,
	notifications: NotificationsService,
	logs: LogsService,
	realtime: RealtimeService
};
