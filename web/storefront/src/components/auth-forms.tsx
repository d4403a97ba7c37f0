/** Sign in and create an account, side by side (the sign-in page and the checkout use them). */
import { useState } from "preact/hooks";
import { api } from "../session";
import { Field, Notice, formErrors } from "./forms";

function SignInForm({ onDone }: { onDone: () => void }) {
	const [email, setEmail] = useState("");
	const [password, setPassword] = useState("");
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		setBusy(true);
		setError(null);
		try {
			await api.login(email, password);
			onDone();
		} catch (err) {
			setError(formErrors(err).form);
		} finally {
			setBusy(false);
		}
	};
	return (
		<form onSubmit={submit} aria-labelledby="signin-title">
			<h2 id="signin-title">Sign in</h2>
			{error && <Notice kind="error">{error}</Notice>}
			<Field id="signin-email" label="Email" type="email" autoComplete="email" required value={email} onValue={setEmail} />
			<Field
				id="signin-password"
				label="Password"
				type="password"
				autoComplete="current-password"
				required
				value={password}
				onValue={setPassword}
			/>
			<button type="submit" disabled={busy}>
				Sign in
			</button>
		</form>
	);
}

function RegisterForm({ onDone }: { onDone: () => void }) {
	const [name, setName] = useState("");
	const [email, setEmail] = useState("");
	const [password, setPassword] = useState("");
	const [errors, setErrors] = useState<{ form: string; fields: Record<string, string> } | null>(null);
	const [busy, setBusy] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		setBusy(true);
		setErrors(null);
		try {
			await api.register({ name, email, password });
			onDone();
		} catch (err) {
			setErrors(formErrors(err));
		} finally {
			setBusy(false);
		}
	};
	return (
		<form onSubmit={submit} aria-labelledby="register-title">
			<h2 id="register-title">New here? Create an account</h2>
			{errors && <Notice kind="error">{errors.form}</Notice>}
			<Field
				id="register-name"
				label="Name"
				autoComplete="name"
				required
				value={name}
				onValue={setName}
				error={errors?.fields.name}
			/>
			<Field
				id="register-email"
				label="Email"
				type="email"
				autoComplete="email"
				required
				value={email}
				onValue={setEmail}
				error={errors?.fields.email}
			/>
			<Field
				id="register-password"
				label="Password"
				type="password"
				autoComplete="new-password"
				required
				value={password}
				onValue={setPassword}
				error={errors?.fields.password}
				hint="At least 8 characters, with letters and digits."
			/>
			<button type="submit" disabled={busy}>
				Create account
			</button>
		</form>
	);
}

export function AuthForms({ onDone }: { onDone: () => void }) {
	return (
		<div class="two-columns">
			<SignInForm onDone={onDone} />
			<RegisterForm onDone={onDone} />
		</div>
	);
}
