import { congoBackend } from "./backends";
import { productsSuite } from "./products.suite";

describe("products on MongoDB wire protocol (CongoDB in-process, not a real mongod)", () => productsSuite(congoBackend));
