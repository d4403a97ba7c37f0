/**
 * Sending stored notifications: one attempt at a time per message, retried with exponential
 * backoff, then `failed`. Nothing here is awaited by the order flow: events only record a
 * notification and schedule its first attempt.
 *
 * Every attempt first claims the message with a conditional update (status pending and due), which
 * also counts the attempt and pushes `nextAttemptAt` out by a lease; so two nodes (or a timer and
 * the sweeper) never send one message at once, and a node that dies mid-attempt leaves a message
 * the sweeper of any node picks up once the lease has run out.
 */
import type { Store } from "../store";
import type { NotificationDoc } from "./collections";
import type { Mailer } from "./mailer";
import { retryDelay, type NotificationSettings } from "./settings";

interface Log {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	debug(...args: unknown[]): void;
}

export interface DeliveryDeps {
	store: Store<NotificationDoc>;
	mailer: Mailer;
	settings: NotificationSettings;
	logger: Log;
	/**
	 * Runs the update that ends a message (sent, or failed for good) in one write with its
	 * announcement (the service records notification.sent|failed in its outbox); without it, the
	 * update runs alone.
	 */
	settle?(update: (store: Store<NotificationDoc>) => Promise<NotificationDoc | null>): Promise<NotificationDoc | null>;
}

export type NewNotification = Pick<NotificationDoc, "recipient" | "template" | "subject" | "body" | "eventId"> &
	Partial<Pick<NotificationDoc, "userId" | "html" | "relatedId">>;

const iso = (ms: number) => new Date(ms).toISOString();
/** Timers may fire a millisecond early; an attempt this close to its due time is due. */
const DUE_SLACK_MS = 20;

export function errorText(err: unknown): string {
	const e = err as { code?: unknown; responseCode?: unknown; message?: unknown };
	const code = e?.responseCode ?? e?.code;
	const text = `${code ? `${code} ` : ""}${typeof e?.message === "string" ? e.message : String(err)}`;
	return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

export class Delivery {
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly inFlight = new Set<Promise<unknown>>();
	private stopped = false;

	constructor(private readonly deps: DeliveryDeps) {}

	/** How long a claimed attempt keeps others away: longer than any SMTP timeout chain. */
	private get leaseMs(): number {
		return Math.max(60_000, 4 * this.deps.settings.sendTimeoutMs);
	}

	/**
	 * Stores a pending notification; throws the store's DuplicateKeyError when its eventId was
	 * recorded before. `claimed`: stored with its first attempt already claimed by the caller, who
	 * then calls send() (one write less per message than record + attempt).
	 */
	async record(n: NewNotification, claimed = false): Promise<NotificationDoc> {
		const nowMs = Date.now();
		const now = iso(nowMs);
		return this.deps.store.insert({
			recipient: n.recipient,
			userId: n.userId ?? null,
			channel: "email",
			template: n.template,
			subject: n.subject,
			body: n.body,
			html: n.html ?? null,
			status: "pending",
			attempts: claimed ? 1 : 0,
			lastError: null,
			relatedId: n.relatedId ?? null,
			eventId: n.eventId,
			nextAttemptAt: claimed ? iso(nowMs + this.leaseMs) : now,
			messageId: null,
			createdAt: now,
			updatedAt: now,
			sentAt: null,
			bodyKeptSince: null
		});
	}

	/** Runs an attempt after `delayMs`, in the background. */
	schedule(id: string, delayMs = 0): void {
		if (this.stopped) return;
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			void this.attempt(id);
		}, delayMs);
		timer.unref();
		this.timers.add(timer);
	}

	/**
	 * One attempt, when the message is pending, due and not claimed by anyone else; answers the
	 * message as the attempt left it, or null when it was not this caller's to send. Never throws.
	 */
	attempt(id: string): Promise<NotificationDoc | null> {
		return this.track(id, async () => {
			if (this.stopped) return null;
			const now = Date.now();
			const claimed = await this.deps.store.updateById(
				id,
				{ set: { nextAttemptAt: iso(now + this.leaseMs), updatedAt: iso(now) }, inc: { attempts: 1 } },
				{ status: "pending", nextAttemptAt: { lte: iso(now + DUE_SLACK_MS) } }
			);
			return claimed ? this.deliver(claimed) : null;
		});
	}

	/** The first attempt of a message recorded with `claimed` (the caller need not wait for it). Never throws. */
	send(doc: NotificationDoc): Promise<NotificationDoc | null> {
		if (this.stopped) return Promise.resolve(null);
		return this.track(doc.id, () => this.deliver(doc));
	}

	private track(id: string, run: () => Promise<NotificationDoc | null>): Promise<NotificationDoc | null> {
		const p = run().catch(err => {
			this.deps.logger.warn(`Notification ${id}: attempt could not run:`, errorText(err));
			return null;
		});
		this.inFlight.add(p);
		void p.finally(() => this.inFlight.delete(p));
		return p;
	}

	/** One attempt of a message this caller has claimed: sent, retried later, or failed for good. */
	private settle(update: (store: Store<NotificationDoc>) => Promise<NotificationDoc | null>): Promise<NotificationDoc | null> {
		return this.deps.settle ? this.deps.settle(update) : update(this.deps.store);
	}

	private async deliver(claimed: NotificationDoc): Promise<NotificationDoc | null> {
		const { store, mailer, settings, logger } = this.deps;
		const id = claimed.id;
		const what = `${claimed.template} mail ${claimed.id} to ${claimed.recipient}`;
		try {
			const sent = await mailer.send({
				id: claimed.id,
				to: claimed.recipient,
				subject: claimed.subject,
				text: claimed.body,
				html: claimed.html
			});
			const at = iso(Date.now());
			const done = await this.settle(s =>
				s.updateById(
					id,
					{
						set: {
							status: "sent",
							sentAt: at,
							bodyKeptSince: at,
							updatedAt: at,
							lastError: null,
							messageId: sent.messageId ?? null
						}
					},
					{ status: "pending" }
				)
			);
			// debug: the stored notification already says sent, when, and its Message-ID (GET /notifications).
			logger.debug(`Sent ${what} (attempt ${claimed.attempts}${sent.file ? `, written to ${sent.file}` : ""})`);
			return done;
		} catch (err) {
			const lastError = errorText(err);
			const at = Date.now();
			if (claimed.attempts >= settings.maxAttempts) {
				const failed = await this.settle(s =>
					s.updateById(
						id,
						{ set: { status: "failed", lastError, updatedAt: iso(at), nextAttemptAt: iso(at) } },
						{ status: "pending" }
					)
				);
				logger.warn(`Giving up on ${what} after ${claimed.attempts} attempt(s): ${lastError}`);
				return failed;
			}
			const delay = retryDelay(settings, claimed.attempts);
			const retry = await store.updateById(
				id,
				{ set: { lastError, updatedAt: iso(at), nextAttemptAt: iso(at + delay) } },
				{ status: "pending" }
			);
			logger.info(`Attempt ${claimed.attempts} of ${what} failed (${lastError}); retrying in ${delay} ms`);
			this.schedule(id, delay);
			return retry;
		}
	}

	/** Attempts every pending message that is due (timers lost to a restart, or set on another node). */
	async sweep(limit = 50): Promise<number> {
		if (this.stopped) return 0;
		const due = await this.deps.store.find({
			where: { status: "pending", nextAttemptAt: { lte: iso(Date.now()) } },
			sort: [["nextAttemptAt", "asc"]],
			limit
		});
		for (const doc of due) await this.attempt(doc.id);
		return due.length;
	}

	/** Cancels the timers and waits (a little) for attempts under way, so their outcome is stored. */
	async stop(waitMs = 5000): Promise<void> {
		this.stopped = true;
		for (const t of this.timers) clearTimeout(t);
		this.timers.clear();
		if (!this.inFlight.size) return;
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([
			Promise.allSettled([...this.inFlight]),
			new Promise(resolve => {
				timer = setTimeout(resolve, waitMs);
			})
		]);
		clearTimeout(timer);
	}
}
