import { render } from "preact";
import { App } from "./app";
import "../../shared/base.css";
import "./styles.css";

render(<App />, document.getElementById("app")!);
