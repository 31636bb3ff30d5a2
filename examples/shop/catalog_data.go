package shop

// demoProducts returns a fresh copy of the demo products, so no caller can
// change what another one sees.
func demoProducts() []Product {
	return []Product{
		{"travel-press", "Travel Coffee Press", "Kitchen", 39.95,
			"A compact press that brews a clean, full-bodied cup anywhere. Packs inside its own mug."},
		{"glass-pour-over", "Six-Cup Glass Pour-Over", "Kitchen", 49.50,
			"Hand-blown borosilicate carafe with a wooden collar for slow, bright morning coffee."},
		{"cast-iron-skillet", "10-inch Cast Iron Skillet", "Kitchen", 29.90,
			"Pre-seasoned, oven-safe and ready for a lifetime of searing, baking and frying."},
		{"stoneware-mug", "Stoneware Mug, Sea Salt Glaze", "Kitchen", 18.50,
			"Wheel-thrown stoneware holding 350 ml, with a speckled glaze that is never quite the same twice."},
		{"folding-knife", "Folding Pocket Knife No. 8", "Outdoor", 22.00,
			"Carbon steel blade, beech handle and a twist lock: the classic picnic and trail companion."},
		{"trail-bottle", "Wide Mouth Trail Bottle, 1 L", "Outdoor", 15.99,
			"Shatter-proof, BPA-free and wide enough for ice cubes and a scoop of electrolytes."},
		{"headlamp-450", "Rechargeable Headlamp 450 lm", "Outdoor", 54.95,
			"Red night mode, a lock against switching on in the bag, and three hours at full power."},
		{"merino-beanie", "Merino Wool Beanie", "Apparel", 32.00,
			"Fine-gauge merino that keeps you warm without the itch; rolls up into any pocket."},
		{"linen-shirt", "Washed Linen Shirt", "Apparel", 68.00,
			"Stone-washed European linen, relaxed fit, gets softer with every wash."},
		{"waxed-tote", "Waxed Canvas Tote", "Apparel", 74.00,
			"Water-resistant waxed cotton with leather handles and an inside pocket for keys."},
		{"desk-lamp", "Mini Balanced-Arm Desk Lamp", "Home", 189.00,
			"A spring-balanced arm that stays exactly where you put it, in powder-coated steel."},
		{"wool-throw", "Lambswool Throw Blanket", "Home", 95.00,
			"Woven in a small mill from soft lambswool, 130 x 180 cm, in a quiet herringbone."},
	}
}

// demoArticles returns a fresh copy of the demo articles.
func demoArticles() []Article {
	return []Article{
		{ID: "better-pour-over", Title: "How to Brew Better Pour-Over Coffee", Topic: "Coffee",
			Summary: "Grind size, water temperature and a patient bloom make the difference.",
			Body: []string{
				"Start with freshly roasted beans and grind them just before brewing, about as coarse as sea salt.",
				"Heat the water to 94 °C, wet the filter, then pour just enough to soak the grounds and wait 40 seconds for the bloom.",
				"Pour the rest in slow spirals. The whole brew should take three to four minutes.",
			},
			Related: []string{"glass-pour-over", "stoneware-mug", "travel-press"}},
		{ID: "cast-iron-care", Title: "Caring for Cast Iron", Topic: "Kitchen",
			Summary: "Soap is fine, soaking is not: the few rules that keep a skillet slick.",
			Body: []string{
				"Wash while still warm, with a little soap if you like, and dry it on the stove.",
				"Rub in a few drops of oil and heat until it just smokes: that thin layer is the seasoning.",
				"Never leave it soaking; rust starts within hours and takes much longer to undo.",
			},
			Related: []string{"cast-iron-skillet"}},
		{ID: "weekend-hike", Title: "Packing Light for a Weekend Hike", Topic: "Outdoor",
			Summary: "A short list that covers light, water and a warm head.",
			Body: []string{
				"Weigh everything once. The numbers will surprise you and make the choices easy.",
				"Carry one good light, one litre of water per three hours of walking, and a hat for the evening.",
				"A small knife solves more problems than any multi-tool you will not open.",
			},
			Related: []string{"headlamp-450", "trail-bottle", "folding-knife", "merino-beanie"}},
		{ID: "merino-seasons", Title: "Why Merino Wool Works in Every Season", Topic: "Apparel",
			Summary: "Fine fibres that breathe in summer and insulate in winter.",
			Body: []string{
				"Merino fibres are a third as thick as ordinary wool, which is why they feel soft instead of scratchy.",
				"They take up moisture vapour before you feel damp and keep insulating when wet.",
				"And they resist odour, so one beanie lasts a whole trip.",
			},
			Related: []string{"merino-beanie", "wool-throw"}},
		{ID: "home-office-light", Title: "Lighting a Small Home Office", Topic: "Home",
			Summary: "Layer daylight, a task lamp and warm evening light.",
			Body: []string{
				"Put the desk beside the window, not facing it, to avoid glare on the screen.",
				"Add a task lamp on the side opposite your writing hand so your hand casts no shadow.",
				"In the evening, switch to warm bulbs around 2700 K to help you wind down.",
			},
			Related: []string{"desk-lamp", "stoneware-mug"}},
		{ID: "knife-sharpening", Title: "A Beginner's Guide to Knife Sharpening", Topic: "Outdoor",
			Summary: "A whetstone, a steady angle and ten quiet minutes.",
			Body: []string{
				"Soak the stone, hold the blade at about 20 degrees and push it across as if slicing a thin layer off the stone.",
				"Count your strokes on each side so both stay even, then finish on the fine side.",
				"Test on a sheet of paper: a sharp edge slices it cleanly without tearing.",
			},
			Related: []string{"folding-knife", "cast-iron-skillet"}},
	}
}
