/** The demo catalog of `npm run seed`: fixed skus, so a rerun updates instead of duplicating. */
import type { SeedProduct } from "../lib/products/seed";

type Row = [name: string, price: number, stock: number, description: string];

const CATEGORIES: Record<string, { prefix: string; rows: Row[] }> = {
	Electronics: {
		prefix: "ELEC",
		rows: [
			["Wireless Earbuds", 59.99, 120, "Bluetooth 5.3 earbuds with a charging case and 24 hours of playback."],
			["Noise-Cancelling Headphones", 199.0, 40, "Over-ear headphones with active noise cancelling and a 30-hour battery."],
			["USB-C Charger 65W", 34.9, 200, "Compact GaN charger for laptops, tablets and phones."],
			["Portable Power Bank", 29.99, 150, "10,000 mAh power bank with USB-C fast charging."],
			["Smart Watch", 149.5, 60, "Fitness and sleep tracking, heart-rate monitor, seven-day battery."],
			["Mechanical Keyboard", 89.0, 75, "Tenkeyless keyboard with hot-swappable tactile switches."],
			["Wireless Mouse", 24.99, 180, "Ergonomic silent-click mouse with a USB receiver."],
			["27-inch Monitor", 279.0, 25, "QHD IPS monitor with a height-adjustable stand."],
			["Webcam 1080p", 44.95, 90, "Full-HD webcam with stereo microphones and a privacy shutter."],
			["Bluetooth Speaker", 49.99, 110, "Water-resistant speaker with 12 hours of playback."]
		]
	},
	Books: {
		prefix: "BOOK",
		rows: [
			["The Pragmatic Programmer", 42.5, 30, "Classic advice on the craft of software development."],
			["Designing Data-Intensive Applications", 49.9, 25, "The big ideas behind reliable, scalable and maintainable systems."],
			["Clean Code", 37.99, 40, "A handbook of agile software craftsmanship."],
			["Refactoring", 44.0, 20, "Improving the design of existing code, second edition."],
			["Domain-Driven Design", 54.99, 15, "Tackling complexity in the heart of software."],
			["The Hobbit", 12.99, 80, "Bilbo Baggins' journey there and back again."],
			["Dune", 14.5, 70, "Frank Herbert's desert planet epic."],
			["Sapiens", 18.99, 60, "A brief history of humankind."],
			["Atomic Habits", 16.9, 90, "Tiny changes, remarkable results."],
			["The Art of Cooking", 29.0, 35, "Techniques and recipes from a professional kitchen."]
		]
	},
	"Home & Kitchen": {
		prefix: "HOME",
		rows: [
			["Chef's Knife", 64.0, 45, "20 cm forged stainless-steel chef's knife."],
			["Cast Iron Skillet", 39.99, 55, "Pre-seasoned 26 cm skillet for stove, oven and campfire."],
			["French Press", 27.5, 70, "One-litre borosilicate glass coffee press."],
			["Electric Kettle", 32.99, 65, "1.7 l kettle with temperature control."],
			["Bamboo Cutting Board", 19.99, 100, "Large reversible board with a juice groove."],
			["Non-Stick Pan Set", 79.0, 30, "Three pans, 20, 24 and 28 cm, induction-ready."],
			["Ceramic Dinner Plates (set of 6)", 45.0, 40, "Stoneware plates, dishwasher and microwave safe."],
			["Cotton Bath Towels (set of 4)", 36.9, 60, "600 g/m2 combed cotton towels."],
			["Scented Candle", 14.99, 150, "Soy-wax candle with cedar and vanilla, 45 hours of burn time."],
			["Stand Mixer", 249.0, 12, "5.5 l stand mixer with dough hook, whisk and beater."]
		]
	},
	"Sports & Outdoors": {
		prefix: "SPRT",
		rows: [
			["Yoga Mat", 25.99, 120, "6 mm non-slip mat with a carrying strap."],
			["Adjustable Dumbbells", 129.0, 20, "Pair of dumbbells from 2 to 24 kg."],
			["Running Shoes", 89.95, 50, "Lightweight cushioned road-running shoes."],
			["Trekking Poles", 49.0, 40, "Collapsible aluminium poles with cork grips."],
			["Camping Tent (2 person)", 159.0, 15, "Three-season dome tent, 2.1 kg."],
			["Sleeping Bag", 69.99, 30, "Comfort rating 5 degrees Celsius, packs to 30 cm."],
			["Insulated Water Bottle", 22.5, 200, "750 ml steel bottle, cold for 24 hours."],
			["Resistance Bands", 18.0, 140, "Set of five latex bands with handles."],
			["Cycling Helmet", 54.9, 35, "Ventilated helmet with an adjustable fit system."],
			["Football", 19.95, 80, "Size 5 match ball, hand-stitched."]
		]
	},
	Clothing: {
		prefix: "CLTH",
		rows: [
			["Organic Cotton T-Shirt", 19.99, 300, "Crew-neck tee in heavyweight organic cotton."],
			["Slim Fit Jeans", 59.0, 120, "Stretch denim jeans with a tapered leg."],
			["Merino Wool Sweater", 89.0, 60, "Fine-knit sweater in extra-fine merino wool."],
			["Rain Jacket", 99.99, 45, "Waterproof, breathable shell with a packable hood."],
			["Hooded Sweatshirt", 44.5, 110, "Brushed fleece hoodie with a kangaroo pocket."],
			["Chino Trousers", 49.95, 90, "Cotton twill chinos with a regular fit."],
			["Wool Socks (3 pairs)", 16.0, 250, "Warm and breathable everyday socks."],
			["Leather Belt", 34.0, 70, "Full-grain leather belt with a brass buckle."],
			["Baseball Cap", 21.9, 130, "Six-panel cotton cap with an adjustable strap."],
			["Down Vest", 119.0, 25, "Lightweight vest filled with responsibly sourced down."]
		]
	},
	"Toys & Games": {
		prefix: "TOYS",
		rows: [
			["Building Blocks (500 pieces)", 39.99, 80, "Compatible bricks in 20 colours with a storage box."],
			["Wooden Puzzle", 14.99, 100, "100-piece wooden jigsaw puzzle of a world map."],
			["Strategy Board Game", 44.0, 50, "Trade, build and settle: two to four players."],
			["Card Game", 9.99, 200, "Fast family card game for two to ten players."],
			["Remote Control Car", 59.95, 40, "1:16 off-road car with a rechargeable battery."],
			["Plush Bear", 19.5, 120, "Soft 30 cm bear, machine washable."],
			["Chess Set", 34.99, 45, "Weighted pieces and a folding wooden board."],
			["Kite", 17.0, 60, "Easy-flying delta kite with 30 m of line."],
			["Science Kit", 29.9, 55, "Twenty experiments with crystals, magnets and circuits."],
			["Drawing Tablet for Kids", 24.99, 75, "LCD writing tablet with a stylus and an erase button."]
		]
	}
};

export const DEMO_CATALOG: SeedProduct[] = Object.entries(CATEGORIES).flatMap(([category, { prefix, rows }]) =>
	rows.map(([name, price, stock, description], i) => {
		const sku = `${prefix}-${String(i + 1).padStart(4, "0")}`;
		return { sku, name, description, price, currency: "EUR", category, stock, images: [`https://picsum.photos/seed/${sku}/640/640`] };
	})
);
