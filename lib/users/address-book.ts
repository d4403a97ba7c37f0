/**
 * A user's addresses, with exactly one default whenever the user has any: the first address becomes
 * the default, making another one the default unsets the previous one, deleting the default promotes
 * the oldest remaining one. "At most one" is enforced by the database (unique `defaultSlot`), so
 * concurrent requests can never leave two defaults; "at least one" is restored after every write
 * and on every read, so even a crash between two steps heals itself.
 */
import { ConflictError, NotFoundError, invalidField } from "../errors";
import { newId } from "../ids";
import { DuplicateKeyError, type Store } from "../store";
import type { AddressDoc } from "./collections";
import type { AddressInput } from "./params";

export const MAX_ADDRESSES_PER_USER = 50;

const now = () => new Date().toISOString();

export class AddressBook {
	constructor(private readonly store: Store<AddressDoc>) {}

	/** Oldest first. Heals a missing default (a crash between two steps of a write). */
	async list(userId: string): Promise<AddressDoc[]> {
		let rows = await this.all(userId);
		if (rows.length && !rows.some(a => a.isDefault)) {
			await this.ensureDefault(userId);
			rows = await this.all(userId);
		}
		return rows;
	}

	/** Another user's address is "not found", never "forbidden", so ids reveal nothing. */
	async get(userId: string, id: string): Promise<AddressDoc> {
		const address = await this.store.findOne({ id, userId });
		if (!address) throw new NotFoundError("Address", id);
		return address;
	}

	/**
	 * Retry: a retried create makes a second address (there is no natural key); the per-user limit
	 * bounds the damage. Two concurrent first addresses: both are inserted, one becomes the default.
	 */
	async create(userId: string, input: AddressInput): Promise<AddressDoc> {
		if ((await this.store.count({ userId })) >= MAX_ADDRESSES_PER_USER) {
			throw new ConflictError(`An account can hold at most ${MAX_ADDRESSES_PER_USER} addresses`, "ADDRESS_LIMIT");
		}
		const { isDefault, ...fields } = input;
		const id = newId();
		const at = now();
		await this.store.insert({ ...stripNulls(fields), id, userId, isDefault: false, defaultSlot: id, createdAt: at, updatedAt: at });
		if (isDefault) await this.makeDefault(userId, id);
		else await this.ensureDefault(userId);
		return this.get(userId, id);
	}

	/**
	 * Partial update; null clears an optional field. The default cannot be unset directly (there must
	 * be one): make another address the default instead. Retrying the same update is harmless.
	 */
	async update(userId: string, id: string, patch: Partial<AddressInput>): Promise<AddressDoc> {
		const { isDefault, ...fields } = patch;
		const current = await this.get(userId, id);
		if (isDefault === false && current.isDefault) {
			throw invalidField("isDefault", "The default address cannot be unset; make another address the default instead");
		}
		if (Object.keys(fields).length) {
			const updated = await this.store.updateById(id, { set: { ...fields, updatedAt: now() } }, { userId });
			if (!updated) throw new NotFoundError("Address", id);
		}
		if (isDefault) await this.makeDefault(userId, id);
		return this.get(userId, id);
	}

	/** Retry or a concurrent delete of the same address: the second one answers 404. */
	async remove(userId: string, id: string): Promise<void> {
		await this.get(userId, id);
		if (!(await this.store.removeById(id))) throw new NotFoundError("Address", id);
		await this.ensureDefault(userId);
	}

	private all(userId: string): Promise<AddressDoc[]> {
		return this.store.find({
			where: { userId },
			sort: [
				["createdAt", "asc"],
				["id", "asc"]
			],
			limit: MAX_ADDRESSES_PER_USER * 2
		});
	}

	/**
	 * Moves the default to `id`: unset the current default, then take the slot. When a concurrent
	 * request took the slot in between, the unique index refuses ours and we go round again.
	 */
	private async makeDefault(userId: string, id: string): Promise<void> {
		for (let attempt = 0; attempt < 5; attempt++) {
			const current = await this.store.findOne({ userId, isDefault: true });
			if (current?.id === id) return;
			if (current) {
				await this.store.updateById(
					current.id,
					{ set: { isDefault: false, defaultSlot: current.id, updatedAt: now() } },
					{ isDefault: true }
				);
			}
			try {
				const taken = await this.store.updateById(
					id,
					{ set: { isDefault: true, defaultSlot: userId, updatedAt: now() } },
					{ userId }
				);
				if (!taken) throw new NotFoundError("Address", id);
				return;
			} catch (err) {
				if (!(err instanceof DuplicateKeyError)) throw err;
			}
		}
		throw new ConflictError("The default address is being changed concurrently, try again", "CONCURRENT_UPDATE");
	}

	/** Promotes the oldest address when the user has addresses but no default. Losing the race to another promotion is fine. */
	private async ensureDefault(userId: string): Promise<void> {
		if (await this.store.findOne({ userId, isDefault: true })) return;
		const [oldest] = await this.store.find({
			where: { userId },
			sort: [
				["createdAt", "asc"],
				["id", "asc"]
			],
			limit: 1
		});
		if (!oldest) return;
		try {
			await this.store.updateById(
				oldest.id,
				{ set: { isDefault: true, defaultSlot: userId, updatedAt: now() } },
				{ isDefault: false }
			);
		} catch (err) {
			if (!(err instanceof DuplicateKeyError)) throw err;
		}
	}
}

function stripNulls<T extends Record<string, unknown>>(obj: T): T {
	return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined)) as T;
}
