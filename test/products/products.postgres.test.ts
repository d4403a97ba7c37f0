import { describeWithServer } from "../helpers/servers";
import { PG_HOST, PG_PORT } from "../helpers/postgres";
import { postgresBackend } from "./backends";
import { productsSuite } from "./products.suite";

describeWithServer("PostgreSQL", PG_HOST, PG_PORT)("products on PostgreSQL", () => productsSuite(postgresBackend));
