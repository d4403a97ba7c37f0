/**
 * Rotation of the mail directory (lib/notifications/mailer.ts): the day files <YYYY-MM-DD>.mbox
 * whose whole UTC day lies before the cutoff are deleted. The file being appended to is today's,
 * which a cutoff in the past never reaches. Other files in the directory are left alone.
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { RetentionRule } from "../retention/rule";

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.mbox$/;

export function mboxRotation(dir: string, maxAgeMs: number): RetentionRule {
	return {
		name: "mail files",
		maxAgeMs,
		async apply(cutoff, { signal }) {
			let names: string[];
			try {
				names = await fs.readdir(dir);
			} catch (err) {
				if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
				throw err;
			}
			// A file of day D holds mail of D only: all of it is older than the cutoff when D < the cutoff's day.
			const cutoffDay = cutoff.toISOString().slice(0, 10);
			let removed = 0;
			for (const name of names.sort()) {
				const day = DAY_FILE.exec(name)?.[1];
				if (!day || day >= cutoffDay || signal?.aborted) continue;
				try {
					await fs.unlink(path.join(dir, name));
					removed++;
				} catch (err) {
					// Another node sharing the directory deleted it first.
					if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
				}
			}
			return removed;
		}
	};
}
