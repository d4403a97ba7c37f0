/**
 * Checkout: sign in or sign up first (the cart merges into the account), then a saved or a new
 * address and a card. The order is placed from the server-side cart (POST /cart/checkout) and the
 * customer is taken to its page, where the payment's outcome arrives live.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError, type Page } from "../../../shared/api";
import { EMPTY_ADDRESS, addressBody, addressLine, type Address, type AddressForm } from "../address";
import { cartSettled, loadCart, useCart } from "../cart";
import { AddressFields } from "../components/address-fields";
import { AuthForms } from "../components/auth-forms";
import { Field, Notice, formErrors } from "../components/forms";
import { formatMoney } from "../format";
import { Link, navigate } from "../router";
import { api, useSession } from "../session";

interface Card {
	number: string;
	month: string;
	year: string;
	cvc: string;
}

function splitErrors(fields: Record<string, string>) {
	const address: Record<string, string> = {};
	const card: Record<string, string> = {};
	const other: string[] = [];
	const cardNames: Record<string, string> = { cardNumber: "number", expMonth: "month", expYear: "year", cvc: "cvc" };
	for (const [k, v] of Object.entries(fields)) {
		if (k.startsWith("shippingAddress.")) address[k.slice("shippingAddress.".length)] = v;
		else if (k.startsWith("payment.") && cardNames[k.slice(8)]) card[cardNames[k.slice(8)]] = v;
		else if (!k.includes(".") && k in EMPTY_ADDRESS) address[k] = v;
		else other.push(v);
	}
	return { address, card, other };
}

export function CheckoutPage() {
	const session = useSession();
	const cart = useCart();
	const [addresses, setAddresses] = useState<Address[] | null>(null);
	const [choice, setChoice] = useState<string>("new");
	const [address, setAddress] = useState<AddressForm>(EMPTY_ADDRESS);
	const [save, setSave] = useState(true);
	const [card, setCard] = useState<Card>({ number: "", month: "", year: "", cvc: "" });
	const [errors, setErrors] = useState<{ form: string; address: Record<string, string>; card: Record<string, string> } | null>(null);
	const [busy, setBusy] = useState(false);
	const [key, setKey] = useState(() => crypto.randomUUID());

	useEffect(() => {
		if (!session) return;
		api.get<Page<Address>>("/users/me/addresses").then(
			page => {
				setAddresses(page.items);
				const preferred = page.items.find(a => a.isDefault) ?? page.items[0];
				if (preferred) setChoice(preferred.id);
			},
			() => setAddresses([])
		);
	}, [session?.user.id]);

	if (!session)
		return (
			<>
				<h1>Checkout</h1>
				<p>Sign in or create an account to place your order. Your cart stays as it is.</p>
				<AuthForms onDone={() => undefined} />
			</>
		);

	const setCardField = (k: keyof Card) => (v: string) => setCard({ ...card, [k]: v });

	const submit = async (e: Event) => {
		e.preventDefault();
		setBusy(true);
		setErrors(null);
		try {
			await cartSettled();
			let destination: Record<string, unknown>;
			if (choice !== "new") destination = { addressId: choice };
			else if (save) {
				const created = await api.post<Address>("/users/me/addresses", addressBody(address));
				setAddresses([...(addresses ?? []), created]);
				setChoice(created.id);
				destination = { addressId: created.id };
			} else destination = { shippingAddress: addressBody(address) };
			const order = await api.post<{ id: string }>(
				"/cart/checkout",
				{
					...destination,
					payment: {
						cardNumber: card.number.replace(/[\s-]/g, ""),
						expMonth: Number(card.month),
						expYear: Number(card.year),
						cvc: card.cvc.trim()
					}
				},
				{ idempotencyKey: key }
			);
			await loadCart().catch(() => undefined);
			navigate(`/orders/${encodeURIComponent(order.id)}`);
		} catch (err) {
			setKey(crypto.randomUUID());
			const { form, fields } = formErrors(err);
			const split = splitErrors(fields);
			const empty = err instanceof ApiError && fields.items;
			setErrors({ form: empty ? "Your cart is empty." : [form, ...split.other].join(" "), address: split.address, card: split.card });
		} finally {
			setBusy(false);
		}
	};

	if (cart.ready && cart.lines.length === 0)
		return (
			<>
				<h1>Checkout</h1>
				<p>
					Your cart is empty. <Link href="/">Browse the catalog</Link>
				</p>
			</>
		);

	return (
		<>
			<h1>Checkout</h1>
			<p>
				Signed in as {session.user.email}. {cart.itemCount} {cart.itemCount === 1 ? "item" : "items"}, total{" "}
				<strong>{formatMoney(cart.total, cart.currency)}</strong>.
			</p>
			<ul class="lines" aria-label="Your order">
				{cart.lines.map(l => (
					<li key={l.productId} class="line">
						<span class="line-name">
							{l.quantity} × {l.name}
						</span>
						<span class="price">{formatMoney(l.subtotal, l.currency)}</span>
					</li>
				))}
			</ul>
			{errors && <Notice kind="error">{errors.form}</Notice>}
			<form onSubmit={submit} noValidate>
				<fieldset>
					<legend>Shipping address</legend>
					{addresses === null && <p>Loading your addresses…</p>}
					{addresses?.map(a => (
						<div class="choice" key={a.id}>
							<input
								type="radio"
								id={`addr-${a.id}`}
								name="address"
								value={a.id}
								checked={choice === a.id}
								onChange={() => setChoice(a.id)}
							/>
							<label for={`addr-${a.id}`}>{addressLine(a)}</label>
						</div>
					))}
					{!!addresses?.length && (
						<div class="choice">
							<input
								type="radio"
								id="addr-new"
								name="address"
								value="new"
								checked={choice === "new"}
								onChange={() => setChoice("new")}
							/>
							<label for="addr-new">A new address</label>
						</div>
					)}
					{/* Not while the saved ones load: the form would vanish under the customer's typing once one is chosen. */}
					{addresses !== null && choice === "new" && (
						<>
							<AddressFields idPrefix="ship" value={address} onChange={setAddress} errors={errors?.address} />
							<div class="choice">
								<input
									type="checkbox"
									id="save-address"
									checked={save}
									onChange={e => setSave((e.target as HTMLInputElement).checked)}
								/>
								<label for="save-address">Save this address for next time</label>
							</div>
						</>
					)}
				</fieldset>
				<fieldset>
					<legend>Payment</legend>
					<Field
						id="card-number"
						label="Card number"
						inputMode="numeric"
						autoComplete="cc-number"
						value={card.number}
						onValue={setCardField("number")}
						error={errors?.card.number}
						hint="A test shop: no real card is charged. Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined; 4000 0000 0000 9995 has insufficient funds; 4000 0000 0000 0119 fails with a processing error."
					/>
					<div class="row">
						<Field
							id="card-month"
							label="Expiry month (MM)"
							inputMode="numeric"
							autoComplete="cc-exp-month"
							maxLength={2}
							value={card.month}
							onValue={setCardField("month")}
							error={errors?.card.month}
						/>
						<Field
							id="card-year"
							label="Expiry year (YYYY)"
							inputMode="numeric"
							autoComplete="cc-exp-year"
							maxLength={4}
							value={card.year}
							onValue={setCardField("year")}
							error={errors?.card.year}
						/>
						<Field
							id="card-cvc"
							label="CVC"
							inputMode="numeric"
							autoComplete="cc-csc"
							maxLength={4}
							value={card.cvc}
							onValue={setCardField("cvc")}
							error={errors?.card.cvc}
						/>
					</div>
				</fieldset>
				<button type="submit" class="primary" disabled={busy}>
					{busy ? "Placing your order…" : `Pay ${formatMoney(cart.total, cart.currency)}`}
				</button>
			</form>
		</>
	);
}
