/** Loading data for a page: the last answer stays on screen while the next one loads. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../../shared/api";

export interface Loaded<T> {
	data: T | undefined;
	error: string | null;
	loading: boolean;
	reload: () => void;
}

export function errorText(err: unknown): string {
	if (err instanceof ApiError) {
		const fields = Object.entries(err.fields());
		return fields.length ? `${err.message} ${fields.map(([f, m]) => `${f}: ${m}`).join("; ")}` : err.message;
	}
	return err instanceof Error ? err.message : String(err);
}

export function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
	const [data, setData] = useState<T | undefined>(undefined);
	const [error, setError] = useState<string | null>(null);
	const [loading, setLoading] = useState(true);
	const [tick, setTick] = useState(0);
	const fnRef = useRef(fn);
	fnRef.current = fn;
	useEffect(() => {
		const ctl = new AbortController();
		setLoading(true);
		fnRef.current(ctl.signal).then(
			d => {
				if (ctl.signal.aborted) return;
				setData(d);
				setError(null);
				setLoading(false);
			},
			err => {
				if (ctl.signal.aborted || (err as { name?: string }).name === "AbortError") return;
				setError(errorText(err));
				setLoading(false);
			}
		);
		return () => ctl.abort();
		// The caller names what the load depends on; `fn` is read fresh each time.
	}, [...deps, tick]);
	const reload = useCallback(() => setTick(n => n + 1), []);
	return { data, error, loading, reload };
}
