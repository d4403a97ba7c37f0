/** The inventory domain over its three stores, in one object the service builds once. */
import type { Store } from "../store";
import type { ItemDoc, MovementDoc, ReservationDoc } from "./collections";
import { MovementLog } from "./movements";
import { Reservations, type ReservationsOptions } from "./reservations";
import { Stock } from "./stock";

export interface InventoryStores {
	items: Store<ItemDoc>;
	reservations: Store<ReservationDoc>;
	movements: Store<MovementDoc>;
}

export interface Inventory {
	stock: Stock;
	reservations: Reservations;
	movements: MovementLog;
}

export function createInventory(stores: InventoryStores, opts: ReservationsOptions = {}): Inventory {
	const movements = new MovementLog(stores.movements);
	const stock = new Stock(stores.items, movements);
	const reservations = new Reservations(stores.reservations, stock, opts);
	return { stock, reservations, movements };
}
