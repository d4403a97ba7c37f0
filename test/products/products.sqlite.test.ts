import { embeddedBackend } from "./backends";
import { productsSuite } from "./products.suite";

describe("products on the embedded SQLite store", () => productsSuite(embeddedBackend));
