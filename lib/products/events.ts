/** The events the products service emits and their data: the public product (with `stock` on creation, when given). */
import type { Product } from "./shape";

export type ProductData = Product;

export interface ProductEvents {
	"product.created": ProductData;
	"product.updated": ProductData;
	"product.deleted": ProductData;
}
