/**
 * The backoffice, served by the gateway at `/admin`. scripts/build-web.ts (and the gateway's dev
 * mode) pass the root and the output folder; this file holds only what is particular to the app.
 */
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
	base: "/admin/",
	plugins: [preact()],
	build: { target: "es2022", assetsInlineLimit: 0 }
});
