import { nedbBackend } from "./backends";
import { productsSuite } from "./products.suite";

describe("products on the embedded NeDB store", () => productsSuite(nedbBackend));
