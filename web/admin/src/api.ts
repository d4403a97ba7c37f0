/**
 * The backoffice's API client and session. Base `/api`, not `/api/v1`: the admins' customer list
 * answers only there (`GET /api/customers`), and every v1 route answers under `/api` as well. The
 * session is the backoffice's own (its own storage key), apart from a storefront session.
 */
import { createApi, type User } from "../../shared/api";

export const api = createApi({ storageKey: "shop.admin.session", base: "/api" });

export const isAdmin = (user: User | null | undefined): boolean => !!user?.roles.includes("admin");

/** Another tab signed in or out of the backoffice: follow it. */
globalThis.addEventListener?.("storage", e => {
	if (e.key === "shop.admin.session") api.reload();
});
