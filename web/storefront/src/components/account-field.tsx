/** The account's inputs (sign-in, registration, the account page): each kind with its type, autocomplete and hint. */
import { Field, type InputProps } from "./forms";

const KINDS = {
	name: { label: "Name", autoComplete: "name" },
	email: { label: "Email", type: "email", autoComplete: "email" },
	"current-password": { label: "Current password", type: "password", autoComplete: "current-password" },
	"new-password": {
		label: "New password",
		type: "password",
		autoComplete: "new-password",
		hint: "At least 8 characters, with letters and digits."
	}
} satisfies Record<string, Partial<InputProps>>;

type AccountFieldProps = Pick<InputProps, "id" | "value" | "onValue" | "error"> & { kind: keyof typeof KINDS; label?: string };

/** A required account input; `label` replaces the kind's own. */
export function AccountField({ kind, label, ...rest }: AccountFieldProps) {
	const preset = KINDS[kind];
	return <Field {...preset} label={label ?? preset.label} required {...rest} />;
}
