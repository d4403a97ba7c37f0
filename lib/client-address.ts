/**
 * The client address as the login throttle counts it: an IPv4 address as is (also when written
 * IPv4-mapped, ::ffff:1.2.3.4), an IPv6 address by its /64 network (one host or home network
 * usually holds a whole /64, so counting single IPv6 addresses would give it billions of fresh
 * counts). Anything else (no address: a call from inside the cluster) is counted as one address.
 */
import { isIPv4, isIPv6 } from "node:net";

export const NO_ADDRESS = "internal";

export function throttleAddress(ip: string | undefined | null): string {
	if (!ip) return NO_ADDRESS;
	const plain = ip.trim().replace(/^\[|\]$/g, "");
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
	if (mapped && isIPv4(mapped[1])) return mapped[1];
	if (isIPv4(plain)) return plain;
	if (isIPv6(plain)) return `${ipv6Groups(plain).slice(0, 4).join(":")}::/64`;
	return NO_ADDRESS;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(ip: string): string[] {
	const withoutZone = ip.split("%")[0];
	// An embedded IPv4 tail (::1.2.3.4) becomes two groups.
	const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(withoutZone);
	const text = v4
		? withoutZone.slice(0, v4.index) + [(+v4[1] << 8) | +v4[2], (+v4[3] << 8) | +v4[4]].map(n => n.toString(16)).join(":")
		: withoutZone;
	const [head, tail] = text.split("::");
	const left = head ? head.split(":") : [];
	const right = tail !== undefined && tail !== "" ? tail.split(":") : [];
	const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
	return [...left, ...zeros, ...right].map(g => parseInt(g, 16).toString(16));
}
