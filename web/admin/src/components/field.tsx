/** A labelled input whose server-side error (422, the field named) is announced with it. */
import type { JSX } from "preact";

type InputProps = JSX.IntrinsicElements["input"] & { name: string; label: string; error?: string; hint?: string };

export function Field({ name, label, error, hint, ...input }: InputProps) {
	const id = `field-${name}`;
	const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
	return (
		<div class="field">
			<label for={id}>{label}</label>
			<input {...input} id={id} name={name} aria-invalid={error ? true : undefined} aria-describedby={described} />
			{hint ? (
				<small id={`${id}-hint`} class="muted">
					{hint}
				</small>
			) : null}
			{error ? (
				<small id={`${id}-error`} class="field-error">
					{error}
				</small>
			) : null}
		</div>
	);
}
