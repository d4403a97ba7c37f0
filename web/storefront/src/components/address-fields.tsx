/** The fields of a new address; `errors` by field name (the API names them). */
import type { AddressForm } from "../address";
import { Field } from "./forms";

export function AddressFields({
	idPrefix,
	value,
	onChange,
	errors = {}
}: {
	idPrefix: string;
	value: AddressForm;
	onChange: (v: AddressForm) => void;
	errors?: Record<string, string>;
}) {
	const set = (k: keyof AddressForm) => (v: string) => onChange({ ...value, [k]: v });
	return (
		<div class="address-fields">
			<Field
				id={`${idPrefix}-name`}
				label="Full name"
				autoComplete="name"
				value={value.name}
				onValue={set("name")}
				error={errors.name}
			/>
			<Field
				id={`${idPrefix}-line1`}
				label="Street and number"
				autoComplete="address-line1"
				required
				value={value.line1}
				onValue={set("line1")}
				error={errors.line1}
			/>
			<Field
				id={`${idPrefix}-line2`}
				label="Address line 2 (optional)"
				autoComplete="address-line2"
				value={value.line2}
				onValue={set("line2")}
				error={errors.line2}
			/>
			<Field
				id={`${idPrefix}-postalCode`}
				label="Postal code"
				autoComplete="postal-code"
				required
				value={value.postalCode}
				onValue={set("postalCode")}
				error={errors.postalCode}
			/>
			<Field
				id={`${idPrefix}-city`}
				label="City"
				autoComplete="address-level2"
				required
				value={value.city}
				onValue={set("city")}
				error={errors.city}
			/>
			<Field
				id={`${idPrefix}-country`}
				label="Country code"
				autoComplete="country"
				required
				maxLength={2}
				hint="Two letters, such as DE, FR or US."
				value={value.country}
				onValue={v => set("country")(v.toUpperCase())}
				error={errors.country}
			/>
			<Field
				id={`${idPrefix}-phone`}
				label="Phone (optional)"
				type="tel"
				autoComplete="tel"
				value={value.phone}
				onValue={set("phone")}
				error={errors.phone}
			/>
		</div>
	);
}
