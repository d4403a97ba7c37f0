/**
 * The account: name and email (a new email needs the current password), password, saved
 * addresses, and signing out. A password or email change ends the account's other sessions.
 */
import { useEffect, useState } from "preact/hooks";
import type { Page, User } from "../../../shared/api";
import { EMPTY_ADDRESS, addressBody, addressLine, type Address, type AddressForm } from "../address";
import { AddressFields } from "../components/address-fields";
import { AccountField } from "../components/account-field";
import { Notice, formErrors } from "../components/forms";
import { navigate } from "../router";
import { api } from "../session";

type Errors = { form: string; fields: Record<string, string> } | null;

function ProfileForm({ user }: { user: User }) {
	const [name, setName] = useState(user.name);
	const [email, setEmail] = useState(user.email);
	const [currentPassword, setCurrent] = useState("");
	const [errors, setErrors] = useState<Errors>(null);
	const [done, setDone] = useState<string | null>(null);
	const emailChanged = email.trim().toLowerCase() !== user.email;
	const submit = async (e: Event) => {
		e.preventDefault();
		setErrors(null);
		setDone(null);
		try {
			const body: Record<string, string> = { name };
			if (emailChanged) Object.assign(body, { email, currentPassword });
			api.setUser(await api.put<User>("/users/me", body));
			setCurrent("");
			setDone(emailChanged ? "Saved. Your email changed, so your other sessions were signed out." : "Saved.");
		} catch (err) {
			setErrors(formErrors(err));
		}
	};
	return (
		<form onSubmit={submit} aria-labelledby="profile-title">
			<h2 id="profile-title">Profile</h2>
			{errors && <Notice kind="error">{errors.form}</Notice>}
			{done && <Notice kind="success">{done}</Notice>}
			<AccountField kind="name" id="profile-name" value={name} onValue={setName} error={errors?.fields.name} />
			<AccountField kind="email" id="profile-email" value={email} onValue={setEmail} error={errors?.fields.email} />
			{emailChanged && (
				<AccountField
					kind="current-password"
					id="profile-current-password"
					label="Current password (needed to change the email)"
					value={currentPassword}
					onValue={setCurrent}
					error={errors?.fields.currentPassword}
				/>
			)}
			<button type="submit">Save profile</button>
		</form>
	);
}

function PasswordForm() {
	const [currentPassword, setCurrent] = useState("");
	const [newPassword, setNew] = useState("");
	const [errors, setErrors] = useState<Errors>(null);
	const [done, setDone] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		setErrors(null);
		setDone(false);
		try {
			await api.put("/users/me/password", { currentPassword, newPassword });
			setCurrent("");
			setNew("");
			setDone(true);
		} catch (err) {
			setErrors(formErrors(err));
		}
	};
	return (
		<form onSubmit={submit} aria-labelledby="password-title">
			<h2 id="password-title">Password</h2>
			{errors && <Notice kind="error">{errors.form}</Notice>}
			{done && <Notice kind="success">Password changed. Your other sessions were signed out.</Notice>}
			<AccountField
				kind="current-password"
				id="password-current"
				value={currentPassword}
				onValue={setCurrent}
				error={errors?.fields.currentPassword}
			/>
			<AccountField kind="new-password" id="password-new" value={newPassword} onValue={setNew} error={errors?.fields.newPassword} />
			<button type="submit">Change password</button>
		</form>
	);
}

function Addresses() {
	const [list, setList] = useState<Address[] | null>(null);
	const [form, setForm] = useState<AddressForm>(EMPTY_ADDRESS);
	const [errors, setErrors] = useState<Errors>(null);
	const [adding, setAdding] = useState(false);
	const load = () =>
		api.get<Page<Address>>("/users/me/addresses").then(
			p => setList(p.items),
			err => setErrors(formErrors(err))
		);
	useEffect(() => void load(), []);

	const act = async (fn: () => Promise<unknown>) => {
		setErrors(null);
		try {
			await fn();
			await load();
		} catch (err) {
			setErrors(formErrors(err));
		}
	};
	const add = (e: Event) => {
		e.preventDefault();
		void act(async () => {
			await api.post("/users/me/addresses", addressBody(form));
			setForm(EMPTY_ADDRESS);
			setAdding(false);
		});
	};

	return (
		<section aria-labelledby="addresses-title">
			<h2 id="addresses-title">Addresses</h2>
			{errors && <Notice kind="error">{errors.form}</Notice>}
			{list?.length === 0 && <p>No saved address yet.</p>}
			<ul class="addresses">
				{list?.map(a => (
					<li key={a.id}>
						<p>
							{addressLine(a)} {a.isDefault && <strong>(default)</strong>}
						</p>
						{!a.isDefault && (
							<button
								type="button"
								class="secondary"
								onClick={() => act(() => api.put(`/users/me/addresses/${a.id}`, { isDefault: true }))}
							>
								Make default
							</button>
						)}{" "}
						<button
							type="button"
							class="secondary"
							onClick={() => act(() => api.del(`/users/me/addresses/${a.id}`))}
							aria-label={`Delete address ${addressLine(a)}`}
						>
							Delete
						</button>
					</li>
				))}
			</ul>
			{adding ? (
				<form onSubmit={add} aria-label="New address">
					<AddressFields idPrefix="new-address" value={form} onChange={setForm} errors={errors?.fields} />
					<button type="submit">Save address</button>{" "}
					<button type="button" class="secondary" onClick={() => setAdding(false)}>
						Cancel
					</button>
				</form>
			) : (
				<button type="button" onClick={() => setAdding(true)}>
					Add an address
				</button>
			)}
		</section>
	);
}

export function AccountPage({ user }: { user: User }) {
	const signOut = (everywhere: boolean) => async () => {
		await api.logout(everywhere);
		navigate("/");
	};
	return (
		<>
			<h1>Your account</h1>
			<div class="two-columns">
				<ProfileForm user={user} />
				<PasswordForm />
			</div>
			<Addresses />
			<section aria-labelledby="signout-title">
				<h2 id="signout-title">Sign out</h2>
				<button type="button" class="secondary" onClick={signOut(false)}>
					Sign out on this device
				</button>{" "}
				<button type="button" class="secondary" onClick={signOut(true)}>
					Sign out everywhere
				</button>
			</section>
		</>
	);
}
