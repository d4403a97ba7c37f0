/* global module */
/**
 * The import rules of the codebase, checked by `npm run lint` (docs/architecture.md, "Layers and
 * boundaries"). A break fails lint with the rule's name and the two files.
 */
const DOMAINS = "(products|inventory|orders|payments|shipping|users|carts|notifications|realtime|logs)";

/** What one domain may import from another: the payloads of its events and the parameters of its actions. */
const CONTRACTS = "(events|event-data|params|types)[.]ts$";

module.exports = {
	forbidden: [
		{
			name: "lib-not-to-composition",
			comment:
				"lib/ is the code the services are built from: it never imports a service or the broker options. " +
				"Composition (which services, which options) lives in the top-level files (create-broker.ts, server.ts).",
			severity: "error",
			from: { path: "^lib/" },
			to: { path: "^(services/|mixins/|moleculer[.]config[.]ts$|create-broker[.]ts$|server[.]ts$)" }
		},
		{
			name: "domain-imports-contracts-only",
			comment:
				"A domain (lib/<domain>/) imports the platform (lib/*.ts, lib/store, lib/broker, lib/gateway, lib/messaging, ...) " +
				"and, of another domain, only its contracts: events.ts, event-data.ts, params.ts, types.ts.",
			severity: "error",
			from: { path: `^lib/${DOMAINS}/` },
			to: {
				path: `^lib/${DOMAINS}/`,
				pathNot: [`^lib/$1/`, `^lib/${DOMAINS}/${CONTRACTS}`]
			}
		},
		{
			name: "platform-not-to-domains",
			comment:
				"The platform (lib/*.ts, lib/store, lib/broker, lib/gateway, lib/messaging, lib/outbox, lib/metrics, ...) serves " +
				"every domain and knows none: what a domain owns, even its metrics or its log shipping, lives in lib/<domain>/.",
			severity: "error",
			from: { path: "^lib/", pathNot: `^lib/${DOMAINS}/` },
			to: { path: `^lib/${DOMAINS}/` }
		},
		{
			name: "no-circular",
			comment: "Modules that import each other cannot be understood, tested or loaded one without the other.",
			severity: "error",
			from: {},
			to: { circular: true }
		}
	],
	options: {
		doNotFollow: { path: "node_modules" },
		// web/ is the browser apps' own TypeScript project (web/tsconfig.json).
		exclude: { path: "^(node_modules|dist|data|coverage|web)/" },
		tsConfig: { fileName: "tsconfig.json" },
		tsPreCompilationDeps: true,
		enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] }
	}
};
