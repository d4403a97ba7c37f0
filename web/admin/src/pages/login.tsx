/** Sign in with an admin account; a customer's account is refused (and its new session ended). */
import { useState } from "preact/hooks";
import { api, isAdmin } from "../api";
import { ErrorNote } from "../components/ui";
import { errorText } from "../load";
import { navigate } from "../router";
import { safeNext } from "../routes";

export function LoginPage({ query }: { query: URLSearchParams }) {
	const [email, setEmail] = useState("");
	const [password, setPassword] = useState("");
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	const signedInAs = api.session()?.user;

	async function submit(e: Event) {
		e.preventDefault();
		setBusy(true);
		setError(null);
		try {
			const user = await api.login(email, password);
			if (!isAdmin(user)) {
				await api.logout();
				setError(`${user.email} is not an admin account. Sign in with an admin account to open the backoffice.`);
				return;
			}
			navigate(safeNext(query.get("next")), { replace: true });
		} catch (err) {
			setError(errorText(err));
		} finally {
			setBusy(false);
		}
	}

	return (
		<main id="main" class="login">
			<h1 id="page-title" tabIndex={-1}>
				Sign in as admin
			</h1>
			<p>The backoffice is for the shop's admins. Sign in with an admin account.</p>
			{signedInAs && !isAdmin(signedInAs) ? <p class="note">{signedInAs.email} is not an admin account.</p> : null}
			<form onSubmit={submit} class="stack">
				<label>
					Email
					<input
						type="email"
						name="email"
						autoComplete="username"
						required
						value={email}
						onInput={e => setEmail(e.currentTarget.value)}
					/>
				</label>
				<label>
					Password
					<input
						type="password"
						name="password"
						autoComplete="current-password"
						required
						value={password}
						onInput={e => setPassword(e.currentTarget.value)}
					/>
				</label>
				<ErrorNote message={error} />
				<button type="submit" class="primary" disabled={busy}>
					{busy ? "Signing in…" : "Sign in"}
				</button>
			</form>
		</main>
	);
}
