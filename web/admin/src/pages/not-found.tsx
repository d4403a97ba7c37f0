import { Link } from "../router";
import { href } from "../routes";
import { PageTitle } from "../components/ui";

export function NotFoundPage() {
	return (
		<>
			<PageTitle>Page not found</PageTitle>
			<p>
				There is no such page in the backoffice. <Link href={href("/")}>Go to the dashboard</Link>.
			</p>
		</>
	);
}
