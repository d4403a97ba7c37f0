/** Small pieces every page uses: notices, a scrollable table frame, a pager, a status label. */
import type { ComponentChildren } from "preact";

export function ErrorNote({ message }: { message: string | null }) {
	return message ? (
		<p class="note error" role="alert">
			{message}
		</p>
	) : null;
}

export function Loading({ when }: { when: boolean }) {
	return when ? (
		<p class="muted" role="status">
			Loading…
		</p>
	) : null;
}

/** A table that scrolls sideways on a phone; focusable so the keyboard can scroll it too. */
export function TableFrame({ label, children }: { label: string; children: ComponentChildren }) {
	return (
		<div class="table-frame" role="region" aria-label={label} tabIndex={0}>
			{children}
		</div>
	);
}

export function Pager({ page, pageSize, total, go }: { page: number; pageSize: number; total: number; go: (page: number) => void }) {
	const pages = Math.max(1, Math.ceil(total / pageSize));
	return (
		<nav class="pager" aria-label="Pages">
			<button type="button" disabled={page <= 1} onClick={() => go(page - 1)}>
				Previous
			</button>
			<span>
				Page {page} of {pages} ({total} in all)
			</span>
			<button type="button" disabled={page >= pages} onClick={() => go(page + 1)}>
				Next
			</button>
		</nav>
	);
}

export function Status({ value }: { value: string }) {
	return <span class={`status status-${value}`}>{value.replace(/_/g, " ")}</span>;
}

export function PageTitle({ children }: { children: ComponentChildren }) {
	return (
		<h1 id="page-title" tabIndex={-1}>
			{children}
		</h1>
	);
}
