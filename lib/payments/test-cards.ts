/** The simulated provider's test cards (docs/architecture.md, Domains); any other valid card succeeds. */
import type { CardOutcome } from "./collections";

export const TEST_CARDS: Readonly<Record<string, CardOutcome>> = {
	"4242424242424242": "success",
	"4000000000000002": "declined",
	"4000000000009995": "insufficient_funds",
	"4000000000000119": "processing_error"
};

export function outcomeOf(cardNumber: string): CardOutcome {
	return TEST_CARDS[cardNumber] ?? "success";
}
