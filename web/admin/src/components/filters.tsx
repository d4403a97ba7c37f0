/** A filter form for a list: its values live in the URL (routes.ts), submitting navigates. */
import type { ComponentChildren } from "preact";
import { navigate } from "../router";
import { href, type Filters } from "../routes";

export function FilterForm({
	path,
	label,
	children,
	extra
}: {
	path: string;
	label: string;
	children: ComponentChildren;
	extra?: Filters;
}) {
	return (
		<form
			class="filters"
			role="search"
			aria-label={label}
			onSubmit={e => {
				e.preventDefault();
				const filters: Filters = { ...extra };
				for (const [k, v] of new FormData(e.currentTarget)) filters[k] = String(v).trim();
				navigate(href(path, filters));
			}}
		>
			{children}
			<button type="submit">Apply</button>
			<button type="button" onClick={() => navigate(href(path))}>
				Clear
			</button>
		</form>
	);
}
