/** A product: create or edit it, and adjust its stock (PATCH /products/:id/stock). */
import { useState } from "preact/hooks";
import { ApiError } from "../../../shared/api";
import { api } from "../api";
import { Field } from "../components/field";
import { ErrorNote, Loading, PageTitle } from "../components/ui";
import { errorText, useLoad } from "../load";
import { rememberProduct } from "../product-names";
import { Link, navigate } from "../router";
import { href } from "../routes";
import type { InventoryItem, Product } from "../types";

type FieldErrors = Record<string, string>;

function bodyOf(form: HTMLFormElement, creating: boolean): Record<string, unknown> {
	const v = (k: string) => String(new FormData(form).get(k) ?? "").trim();
	const body: Record<string, unknown> = {
		name: v("name"),
		description: v("description"),
		price: Number(v("price")),
		currency: v("currency").toUpperCase() || "EUR",
		category: v("category"),
		images: v("images").split(/\s+/).filter(Boolean)
	};
	if (v("sku")) body.sku = v("sku");
	if (creating) body.stock = Number(v("stock") || "0");
	return body;
}

function failure(err: unknown, setFields: (f: FieldErrors) => void, setError: (e: string) => void) {
	setFields(err instanceof ApiError ? err.fields() : {});
	setError(errorText(err));
}

export function ProductPage({ id }: { id?: string }) {
	const creating = !id;
	const product = useLoad(
		signal => (id ? api.get<Product>(`/v1/products/${encodeURIComponent(id)}`, { signal }) : Promise.resolve(null)),
		[id]
	);
	const availability = useLoad(
		signal =>
			id
				? api.get<{ available: number }>(`/v1/inventory/check?productId=${encodeURIComponent(id)}&quantity=1`, { signal })
				: Promise.resolve(null),
		[id]
	);
	const [fields, setFields] = useState<FieldErrors>({});
	const [error, setError] = useState<string | null>(null);
	const [saved, setSaved] = useState<string | null>(null);
	const [item, setItem] = useState<InventoryItem | null>(null);
	const [stockError, setStockError] = useState<string | null>(null);
	const [stockFields, setStockFields] = useState<FieldErrors>({});

	async function save(e: Event) {
		e.preventDefault();
		setError(null);
		setSaved(null);
		const body = bodyOf(e.currentTarget as HTMLFormElement, creating);
		try {
			if (creating) {
				const created = await api.post<Product>("/v1/products", body);
				rememberProduct(created);
				navigate(href(`/products/${created.id}`, { created: 1 }));
			} else {
				rememberProduct(await api.put<Product>(`/v1/products/${encodeURIComponent(id)}`, body));
				setFields({});
				setSaved("Saved.");
				product.reload();
			}
		} catch (err) {
			failure(err, setFields, setError);
		}
	}

	async function adjust(e: Event) {
		e.preventDefault();
		setStockError(null);
		const form = e.currentTarget as HTMLFormElement;
		const data = new FormData(form);
		const reason = String(data.get("reason") ?? "").trim();
		try {
			const next = await api.patch<InventoryItem>(`/v1/products/${encodeURIComponent(id!)}/stock`, {
				delta: Number(data.get("delta")),
				...(reason ? { reason } : {})
			});
			setItem(next);
			setStockFields({});
			availability.reload();
			form.reset();
		} catch (err) {
			failure(err, setStockFields, setStockError);
		}
	}

	const p = product.data;
	if (!creating && !p) {
		return (
			<>
				<PageTitle>Product</PageTitle>
				<ErrorNote message={product.error} />
				<Loading when={product.loading} />
			</>
		);
	}
	const justCreated = new URLSearchParams(location.search).has("created");
	return (
		<>
			<PageTitle>{creating ? "New product" : p!.name}</PageTitle>
			<p>
				<Link href={href("/products")}>All products</Link>
			</p>
			{justCreated && p ? (
				<p class="note ok" role="status">
					{p.name} created.
				</p>
			) : null}
			<form class="stack" onSubmit={save} key={p?.updatedAt ?? "new"} aria-labelledby="page-title">
				<Field name="name" label="Name" required maxLength={200} defaultValue={p?.name} error={fields.name} />
				<div class="field">
					<label for="field-description">Description</label>
					<textarea id="field-description" name="description" rows={3} defaultValue={p?.description} />
				</div>
				<div class="row">
					<Field
						name="price"
						label="Price"
						type="number"
						step="0.01"
						min="0.01"
						required
						defaultValue={p ? String(p.price) : ""}
						error={fields.price}
					/>
					<Field
						name="currency"
						label="Currency"
						maxLength={3}
						defaultValue={p?.currency ?? "EUR"}
						error={fields.currency}
						hint="ISO 4217, e.g. EUR"
					/>
				</div>
				<div class="row">
					<Field name="category" label="Category" required defaultValue={p?.category} error={fields.category} />
					<Field name="sku" label="SKU" defaultValue={p?.sku} error={fields.sku} />
				</div>
				<Field
					name="images"
					label="Image URLs"
					defaultValue={p?.images.join(" ")}
					error={fields.images}
					hint="Separated by spaces"
				/>
				{creating ? (
					<Field name="stock" label="Initial stock" type="number" min="0" step="1" defaultValue="0" error={fields.stock} />
				) : null}
				<ErrorNote message={error} />
				{saved ? (
					<p class="note ok" role="status">
						{saved}
					</p>
				) : null}
				<button type="submit" class="primary">
					{creating ? "Create product" : "Save changes"}
				</button>
			</form>
			{!creating ? (
				<section aria-labelledby="stock-title">
					<h2 id="stock-title">Stock</h2>
					<p data-testid="available">
						{item
							? `On hand ${item.onHand}, reserved ${item.reserved}, available ${item.available} (low-stock threshold ${item.lowStockThreshold}).`
							: availability.data
								? `Available: ${availability.data.available}.`
								: (availability.error ?? "Loading…")}{" "}
						{item ? <Link href={href("/inventory", { item: item.id })}>History</Link> : null}
					</p>
					<form class="row" onSubmit={adjust} aria-labelledby="stock-title">
						<Field
							name="delta"
							label="Change by"
							type="number"
							step="1"
							required
							error={stockFields.delta}
							hint="Positive to add, negative to remove"
						/>
						<Field name="reason" label="Reason" maxLength={200} error={stockFields.reason} />
						<button type="submit">Adjust stock</button>
					</form>
					<ErrorNote message={stockError} />
				</section>
			) : null}
		</>
	);
}
