import { render } from "preact";

render(
	<main>
		<h1>Shop</h1>
	</main>,
	document.getElementById("app")!
);
