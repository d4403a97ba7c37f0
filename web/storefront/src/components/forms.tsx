/** Form pieces that keep every input labelled and every error tied to its input (aria-describedby). */
import type { ComponentChildren } from "preact";
import { ApiError } from "../../../shared/api";

export interface InputProps {
	id: string;
	label: string;
	value: string;
	onValue: (v: string) => void;
	error?: string;
	hint?: string;
	type?: "text" | "email" | "password" | "tel" | "number" | "search";
	autoComplete?: string;
	required?: boolean;
	maxLength?: number;
	inputMode?: "text" | "numeric" | "decimal" | "email" | "tel";
}

export function Field({ id, label, value, onValue, error, hint, type = "text", ...rest }: InputProps) {
	const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
	return (
		<div class="field">
			<label for={id}>{label}</label>
			<input
				id={id}
				name={id}
				value={value}
				onInput={e => onValue((e.target as HTMLInputElement).value)}
				aria-invalid={error ? "true" : undefined}
				aria-describedby={described}
				// Preact types each input type's attributes apart; these types share the ones used here.
				type={type as "text"}
				{...rest}
			/>
			{hint && (
				<p class="hint" id={`${id}-hint`}>
					{hint}
				</p>
			)}
			{error && (
				<p class="field-error" id={`${id}-error`}>
					{error}
				</p>
			)}
		</div>
	);
}

/** A message that screen readers announce: an error (alert) or news (status). */
export function Notice({ kind, children }: { kind: "error" | "success" | "info"; children: ComponentChildren }) {
	return (
		<div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
			{children}
		</div>
	);
}

/** The errors of a failed request: one per named field, and a message for the form. */
export function formErrors(err: unknown, fieldPrefix = ""): { form: string; fields: Record<string, string> } {
	if (!(err instanceof ApiError)) return { form: "Something went wrong. Please try again.", fields: {} };
	const fields: Record<string, string> = {};
	for (const [k, v] of Object.entries(err.fields()))
		fields[fieldPrefix && k.startsWith(fieldPrefix) ? k.slice(fieldPrefix.length) : k] = v;
	const form = Object.keys(fields).length ? "Please correct the fields marked below." : err.message;
	return { form, fields };
}
