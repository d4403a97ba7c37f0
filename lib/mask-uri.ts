/** Hides the password of a connection URI so it can be logged. */
export function maskUri(uri: string): string {
	return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}
