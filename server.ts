/**
 * Starts this node: every service (the default, all-in-one) or those named in SERVICES, over
 * TRANSPORTER when set. `--repl` opens Moleculer's REPL; `--hot` reloads services on change.
 */
import { createBroker } from "./create-broker";
import { lockEmbeddedData, type EmbeddedDataLocks } from "./lib/broker/embedded-data-locks";
import { loadConfig } from "./lib/config";
import { DataDirLockedError } from "./lib/data-dir-lock";

async function main() {
	const args = new Set(process.argv.slice(2));
	const config = loadConfig();
	if (config.isProduction && !config.jwtSecret) {
		console.error("Refusing to start: JWT_SECRET must be set when NODE_ENV=production");
		process.exit(1);
	}
	const broker = createBroker({ hotReload: args.has("--hot") });
	// Two processes writing the same embedded data lose each other's writes: the second one stops here.
	let locks: EmbeddedDataLocks;
	try {
		locks = lockEmbeddedData(broker);
	} catch (err) {
		console.error(
			err instanceof DataDirLockedError
				? `Refusing to start: another process (pid ${err.pid}, running since ${err.startedAt}) holds DATA_DIR ${config.dataDir} ` +
						`(${err.dir}). Two processes must not write the same embedded data: stop that one, or give this one another DATA_DIR (or a DB_URI).`
				: `Refusing to start: cannot lock the embedded data in DATA_DIR ${config.dataDir}: ${(err as Error).message}`
		);
		process.exit(1);
	}

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		broker.logger.info(`${signal} received, draining and stopping`);
		const ok = await broker.stop().then(
			() => true,
			err => (broker.logger.error("Error while stopping:", err), false)
		);
		locks.release();
		process.exit(ok ? 0 : 1);
	};
	process.on("SIGTERM", () => void stop("SIGTERM"));
	process.on("SIGINT", () => void stop("SIGINT"));

	try {
		await broker.start();
	} catch (err) {
		console.error(`Failed to start: ${(err as Error).message}`);
		await broker.stop().catch(() => undefined);
		locks.release();
		process.exit(1);
	}
	// A node without transporter or gateway has no open handle of its own; it still runs until told to stop.
	const keepAlive = setInterval(() => undefined, 1 << 30);
	process.once("beforeExit", () => clearInterval(keepAlive));
	if (args.has("--repl")) await broker.repl();
}

void main();
