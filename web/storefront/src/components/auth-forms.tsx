/** Sign in and create an account, side by side (the sign-in page and the checkout use them). */
import { useState } from "preact/hooks";
import { api } from "../session";
import { AccountField } from "./account-field";
import { Notice, formErrors } from "./forms";

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
			<AccountField kind="email" id="signin-email" value={email} onValue={setEmail} />
			<AccountField kind="current-password" id="signin-password" label="Password" value={password} onValue={setPassword} />
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
			<AccountField kind="name" id="register-name" value={name} onValue={setName} error={errors?.fields.name} />
			<AccountField kind="email" id="register-email" value={email} onValue={setEmail} error={errors?.fields.email} />
			<AccountField
				kind="new-password"
				id="register-password"
				label="Password"
				value={password}
				onValue={setPassword}
				error={errors?.fields.password}
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
