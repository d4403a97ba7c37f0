// Probes the servers integration tests need, once, before any test file loads; the result reaches
// every jest worker through the environment (workers are spawned after this runs).
const net = require("node:net");

const SERVERS = [
	["127.0.0.1", 5432],
	["127.0.0.1", 4222],
	["127.0.0.1", 6379],
	["127.0.0.1", 5672]
];

function portOpen(host, port, timeoutMs = 1000) {
	return new Promise(resolve => {
		const socket = net.connect({ host, port });
		const done = ok => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once("connect", () => done(true));
		socket.once("error", () => done(false));
	});
}

module.exports = async () => {
	await Promise.all(
		SERVERS.map(async ([host, port]) => {
			process.env[`TEST_SERVER_${host.replace(/\W/g, "_")}_${port}`] = (await portOpen(host, port)) ? "up" : "down";
		})
	);
};
