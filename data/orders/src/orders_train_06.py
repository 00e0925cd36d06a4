from dsl import o

ORDERS = [
o("""Hi, I run IT at Quillon Law. Please send 2 kiosk sticks and 2 screen cleaning kits to 5 Temple Row, Birmingham B2 5LG. We'd need them on 07/01/2027 if possible. Matthew Price""",
  "STICK 2; CLEAN 2", n="Matthew Price", c="Quillon Law", addr="5 Temple Row, B2 5LG", city="Birmingham", notes="date written as 07/01/2027 (ambiguous: 7 January or 1 July)", tags="ambiguous_date"),

o("""Hello,

I hope this message finds you well. I am reaching out on behalf of Solstice Renewables to place an order for our upcoming board meeting. We need twelve notebooks in sand and twelve pens in teal, as well as one 43-inch wall display with a mobile floor stand for the presentation.

Delivery address: Solstice Renewables, Calle Colón 20, 46004 Valencia, Spain.

Kind regards,
Irene Navarro
Executive Assistant to the CEO

CONFIDENTIALITY NOTICE: The contents of this email are intended only for the recipient(s) listed above. If you are not the intended recipient, please delete this message and notify the sender.""",
  "NOTE 12 sand; PEN 12 teal; D43 1; STAND 1", n="Irene Navarro", c="Solstice Renewables", addr="Calle Colón 20, 46004", city="Valencia", country="Spain", tags="email signature noise quantity_words"),

o("""2 hoodies pls, one for me (M) one for my partner (S). navy both""",
  "HOOD 1 navy M; HOOD 1 navy S", tags="chat"),

o("""Hi! Is it OK to order just stickers? If yes: one pack of logo stickers. Send to 3 Rue Sainte-Catherine, Bordeaux. Merci, Manon""",
  "STKL 1 pack", n="Manon", addr="3 Rue Sainte-Catherine", city="Bordeaux", tags="chat question quantity_words"),

o("""Dear Pulseboard, we'd like a floor stand and 65 inch display for our museum entrance. Musée des Données, 7 Place Royale, Namur, Belgium. Best regards, Olivier Dupont""",
  "STAND 1; D65 1", n="Olivier Dupont", c="Musée des Données", addr="7 Place Royale", city="Namur", country="Belgium"),

o("""Quick order for Larkspur Dental: six teal tees (M) and six teal caps. Ship to 410 Elm St, Madison, WI 53703 — Jenna""",
  "TEE 6 teal M; CAP 6 teal", n="Jenna", c="Larkspur Dental", addr="410 Elm St, WI 53703", city="Madison", tags="chat quantity_words"),

o("""Hi, could we please get a black tumbler and a steel tumbler, engraved with names "Ana" and "Rui"? If engraving isn't possible, plain is fine. Faro, Portugal. Sara Mendes""",
  "TUMB 1 black; TUMB 1 steel", n="Sara Mendes", city="Faro", country="Portugal", notes="asks for engraving ('Ana' and 'Rui'); plain is acceptable", tags="question"),

o("""We need 200 logo stickers... I mean 2 boxes. Two boxes. (Not 200.) To Oslo please, Tollbugata 10. Ingvild, Fjord Metrics""",
  "STKL 2 box", n="Ingvild", c="Fjord Metrics", addr="Tollbugata 10", city="Oslo", tags="correction quantity_words"),

o("""hello i want to order hoodies for my friends: 3 black (M, L, XL) and 2 heather grey (both S). thanks, Kenji, Kyoto, Japan""",
  "HOOD 1 black M; HOOD 1 black L; HOOD 1 black XL; HOOD 2 heather_grey S", n="Kenji", city="Kyoto", country="Japan", tags="chat"),

o("""Please arrange: 4 x articulating arm mount, 4 x 55" display, 4 x USB-C to HDMI adapter. Shipping address: Unit 1202, 88 Gloucester Rd, Wan Chai, Hong Kong. Deadline 2027-01-07. Regards, Vivian Ho, Harbourline Securities""",
  "ARM 4; D55 4; USBC 4", n="Vivian Ho", c="Harbourline Securities", addr="Unit 1202, 88 Gloucester Rd, Wan Chai", city="Hong Kong", date="2027-01-07"),

o("""Hi there! 1 desk mat grey, 1 backpack black. Can you include a handwritten note 'Welcome to the team, Priya!'? Deliver to 60 Spadina Ave, Toronto. Thanks, Oliver (Hearth Analytics)""",
  "DESKMAT 1 grey; BAG 1 black", n="Oliver", c="Hearth Analytics", addr="60 Spadina Ave", city="Toronto", notes="include a handwritten welcome note for Priya", tags="chat question"),

o("""I'd like to order some hoodies in black for the team, sizes M and L. Thanks, Sven at Nordkap AB""",
  "HOOD 1 black M; HOOD 1 black L", n="Sven", c="Nordkap AB", notes="quantities not stated for either size", tags="no_quantity"),

o("""good afternoon we are from Kathmandu, Himalaya Tech. we want 5 t shirt white size L, 5 t shirt white size M and 10 stickers. please tell price with shipping to Nepal. Anil Shrestha""",
  "TEE 5 white L; TEE 5 white M; STKL 10", n="Anil Shrestha", c="Himalaya Tech", city="Kathmandu", notes="asks for a price including shipping to Nepal", tags="non_native question"),

o("""Replacing my earlier order entirely. New order: 2 x 32" displays, 2 x fixed mounts. Nothing else. Ship to 14 Market Square, Aberdeen. Callum""",
  "D32 2; FIX 2", n="Callum", addr="14 Market Square", city="Aberdeen", notes="replaces an earlier order entirely", tags="correction"),

o("""Hello, please send 4 HDMI 2m cables. No, 4 packs. We're wiring a whole floor. Thanks, Ahmed, Doha""",
  "H2 4 pack", n="Ahmed", city="Doha", tags="chat correction"),

o("""Hello Pulseboard Store team! We're celebrating 1,000 customers and want to send each of our 12 employees a hoodie. Sizes: 3 S, 4 M, 3 L, 2 XL — all heather grey. Ship to Orchard Lane Software, 12 Orchard Lane, Guildford GU1 3DL, United Kingdom. We'd love them by 2026-12-16. Cheers, Eleanor Brooks""",
  "HOOD 3 heather_grey S; HOOD 4 heather_grey M; HOOD 3 heather_grey L; HOOD 2 heather_grey XL", n="Eleanor Brooks", c="Orchard Lane Software", addr="12 Orchard Lane, GU1 3DL", city="Guildford", country="United Kingdom", date="2026-12-16", tags="email"),

o("""tumbler steel x4. office in Dubai Marina""",
  "TUMB 4 steel", city="Dubai", addr="Dubai Marina", tags="chat"),

o("""Hi, I would like to order for my shop "Loja do Café" in Coimbra: 1 display of 32 inches and 1 wall mount that is fixed. Rua Ferreira Borges 80, Coimbra, Portugal. Thank you! Dona Fátima Rocha""",
  "D32 1; FIX 1", n="Fátima Rocha", c="Loja do Café", addr="Rua Ferreira Borges 80", city="Coimbra", country="Portugal", tags="non_native"),

o("""We'd like 3 beanies (orange) and 3 beanies (charcoal) and 6 pairs of teal socks, size M. Actually, make the socks black. Thanks! Halden Outdoor, Lillehammer""",
  "BEANIE 3 orange; BEANIE 3 charcoal; SOCKS 6 black M", c="Halden Outdoor", city="Lillehammer", tags="correction"),

o("""Hello — please ship to Ms. Wanjiku Otieno, Kilimani Rd 14, Nairobi. 2 black totes, 2 natural totes. Ordered by Samuel Kiprop, Rift Valley Analytics.""",
  "TOTE 2 black; TOTE 2 natural", n="Samuel Kiprop", c="Rift Valley Analytics", addr="Kilimani Rd 14", city="Nairobi", notes="deliver to the attention of Wanjiku Otieno", tags="recipient_differs"),

o("""need mugs for office. 12 of them. 6 teal 6 white. Krakow""",
  "MUG 6 teal; MUG 6 white", city="Krakow", tags="chat"),

o("""Dear Sir/Madam,

With reference to your quotation Q-2026-318 of last week, we confirm the order of:
5 (five) Wall Display 55-inch,
5 (five) Tilting Wall Mount,
5 (five) HDMI Cable 5 m.

Delivery address: Boulevard Royal 26, L-2449 Luxembourg.
Requested delivery date: 11 December 2026.

Yours faithfully,
Pierre Schmit
Head of Facilities, Moselle Fund Services S.A.""",
  "D55 5; TILT 5; H5 5", n="Pierre Schmit", c="Moselle Fund Services S.A.", addr="Boulevard Royal 26, L-2449", city="Luxembourg", country="Luxembourg", date="2026-12-11", notes="refers to quotation Q-2026-318", tags="email signature quantity_words"),

o("""hey, how much for 2 tees? i want black L and black XL. ship to Dublin 8. ty""",
  "TEE 1 black L; TEE 1 black XL", city="Dublin", addr="Dublin 8", tags="chat question"),

o("""Please send eight 2m HDMI cables, eight USB-C adapters, and 8 kiosk sticks to our IT store room (Block B, Technopark, Thiruvananthapuram, Kerala 695581, India). PO: TP-5521. Regards, Suresh Nair, Kerala Fintech Labs""",
  "H2 8; USBC 8; STICK 8", n="Suresh Nair", c="Kerala Fintech Labs", addr="Block B, Technopark, Kerala 695581", city="Thiruvananthapuram", country="India", notes="PO TP-5521", tags="quantity_words"),

o("""Hi, i saw the hoodie on instagram, want 1 in M. colour the dark blue one. ship Amsterdam, Overtoom 200. thx Daan""",
  "HOOD 1 navy M", n="Daan", addr="Overtoom 200", city="Amsterdam", tags="chat"),

o("""Hello, order from Aldgate Architects: 20 pens, 10 notebooks, 5 tote bags. Colours: all black. Address: 8 Aldgate High St, London EC3N 1AG. Many thanks, Sophie Turner""",
  "PEN 20 black; NOTE 10 black; TOTE 5 black", n="Sophie Turner", c="Aldgate Architects", addr="8 Aldgate High St, EC3N 1AG", city="London"),

o("""Hi! For our Bogotá office we want 1 box of white mugs and 1 box of teal mugs, plus 2 packs of logo stickers. Carrera 11 # 93-46, Bogotá. Gracias, Laura Jiménez, Andes Pay""",
  "MUG 1 white box; MUG 1 teal box; STKL 2 pack", n="Laura Jiménez", c="Andes Pay", addr="Carrera 11 # 93-46", city="Bogotá"),

o("""Please add one 5m HDMI to order #PB-88213 and ship together. Thanks, Nora""",
  "H5 1", n="Nora", notes="add to order #PB-88213 and ship together", tags="chat"),

o("""Hi, we are Fjellheim Hotel, in Bergen. For our conference rooms: 2 displays 55", 2 arm mounts, 2 sticks, 2 cables HDMI 5 m. Bryggen 15, 5003 Bergen, Norway. We need them before 15/01/2027. Regards, Ola Hansen""",
  "D55 2; ARM 2; STICK 2; H5 2", n="Ola Hansen", c="Fjellheim Hotel", addr="Bryggen 15, 5003", city="Bergen", country="Norway", date="2027-01-15", tags="non_native"),

o("""can I order the black cap but with no logo? if not then with logo is fine. 1 please""",
  "CAP 1 black", notes="asks for a version without the logo; with logo is acceptable", tags="chat question"),

o("""Hello, I'm Aditi from Monsoon Media in Mumbai. Please ship 4 black hoodies (2 M, 2 L), 4 black caps and 4 black tumblers to 7th floor, Kamala Mills, Lower Parel, Mumbai 400013. Thanks!""",
  "HOOD 2 black M; HOOD 2 black L; CAP 4 black; TUMB 4 black", n="Aditi", c="Monsoon Media", addr="7th floor, Kamala Mills, Lower Parel, 400013", city="Mumbai"),

o("""Hi, we need a 43 inch display urgently because ours fell off the wall (!). Also a stronger mount — the articulating arm one. Deliver to Westerstraat 33, Amsterdam. Jeroen, Grachten Games""",
  "D43 1; ARM 1", n="Jeroen", c="Grachten Games", addr="Westerstraat 33", city="Amsterdam", notes="urgent", tags="chat unresolved_date"),

o("""Order for Stellar Pediatrics: lanyards 3 packs teal. Ship to 1550 Oak St, Suite 200, Eugene, OR 97401. Need by Dec 9, 2026. Thanks - Brenda Wallace""",
  "LANY 3 teal pack", n="Brenda Wallace", c="Stellar Pediatrics", addr="1550 Oak St, Suite 200, OR 97401", city="Eugene", date="2026-12-09"),

o("""I need twenty-four logo stickers and four sticker sheets for my laptop collection lol. Bristol. — Finn""",
  "STKL 24; STKT 4", n="Finn", city="Bristol", tags="chat quantity_words"),

o("""Dear Pulseboard Store, our cafe in Kraków would like 2 boxes of black mugs. Please ship to ul. Floriańska 15, 31-019 Kraków, Polska. Many thanks, Katarzyna Lewandowska, Kawiarnia Liczby""",
  "MUG 2 black box", n="Katarzyna Lewandowska", c="Kawiarnia Liczby", addr="ul. Floriańska 15, 31-019", city="Kraków", country="Poland"),

o("""Hey, quick one: the 43 inch display and tilting mount for our office please, 1 each. We're at 2 Ha'Arba'a St, Tel Aviv. Yael""",
  "D43 1; TILT 1", n="Yael", addr="2 Ha'Arba'a St", city="Tel Aviv", tags="chat"),

o("""Hi! I'd like the orange beanie x2 and the charcoal beanie x1 and 3 black socks M. Ship to Mainz. Thank you, Paula""",
  "BEANIE 2 orange; BEANIE 1 charcoal; SOCKS 3 black M", n="Paula", city="Mainz"),

o("""Good morning, could you supply a 65 inch display with a floor stand, delivered 2026-12-02 to the Marriott ballroom, 1 Convention Pl, Calgary, AB, Canada? For the Prairie Data Summit. Contact: Wendy Fraser, Prairie Data Association""",
  "D65 1; STAND 1", n="Wendy Fraser", c="Prairie Data Association", addr="1 Convention Pl, AB", city="Calgary", country="Canada", date="2026-12-02", notes="deliver to the Marriott ballroom for the Prairie Data Summit", tags="question"),

o("""hello, we are 6 people in team. each want 1 mug and 1 notebook. mugs white. notebooks black. Sofia, Bulgaria. Georgi""",
  "MUG 6 white; NOTE 6 black", n="Georgi", city="Sofia", country="Bulgaria", tags="chat non_native"),

o("""Hey Pulseboard folks, one more thing for our order from this morning: please take off the caps entirely and put 2 black tumblers in their place. Everything else stays. - Renata, Bahia Solar""",
  "TUMB 2 black", n="Renata", c="Bahia Solar", notes="changes an order from this morning: caps removed, other lines unchanged", tags="chat cancellation"),

o("""Hi, please send 2 navy hoodies size L and 2 black tees size L to Collins Ave 1601, Miami Beach, FL. Thanks, Diego""",
  "HOOD 2 navy L; TEE 2 black L", n="Diego", addr="Collins Ave 1601, FL", city="Miami Beach"),

o("""Hello from Kigali! Our company, Thousand Hills Data, needs 2 displays (43 inch) and 2 fixed mounts. KG 7 Ave, Kigali, Rwanda. Also, do you ship to Rwanda? — Eric Mugabo""",
  "D43 2; FIX 2", n="Eric Mugabo", c="Thousand Hills Data", addr="KG 7 Ave", city="Kigali", country="Rwanda", notes="asks whether the store ships to Rwanda", tags="question"),

o("""pls 5 black pens + 5 teal pens + 1 black notebook""",
  "PEN 5 black; PEN 5 teal; NOTE 1 black", tags="chat"),

o("""Hi, please cancel the floor stand from my order, I'll use a wall mount instead: add 1 fixed mount. So: 1 x 55" display, 1 x fixed mount. Martina, Bologna""",
  "D55 1; FIX 1", n="Martina", city="Bologna", notes="floor stand cancelled from an earlier order", tags="chat cancellation correction"),

o("""We are Turing Tiles Ltd, a small company in Reading. Please send one each of: hoodie (black, L), t-shirt (white, L), cap (black), beanie (charcoal), socks (black, L), mug (black), tumbler (black). It's a prize for our hackathon winner. Address: 3 Forbury Rd, Reading RG1 3JH. Lucy Webb""",
  "HOOD 1 black L; TEE 1 white L; CAP 1 black; BEANIE 1 charcoal; SOCKS 1 black L; MUG 1 black; TUMB 1 black", n="Lucy Webb", c="Turing Tiles Ltd", addr="3 Forbury Rd, RG1 3JH", city="Reading"),

o("""hello i need 3 screen cleaning kit and 1 microfiber cloth big size. Thank you, Lisbon""",
  "CLEAN 3; ?microfiber_cloth_big_size 1", city="Lisbon", tags="chat non_native"),

o("""Hi, we'd like two backpacks, one charcoal and one black, plus two desk mats in black. Ship to 500 Boren Ave N, Seattle, WA 98109 by 2026-12-18. Thanks a lot, Megan Ross, Cascade Cartography""",
  "BAG 1 charcoal; BAG 1 black; DESKMAT 2 black", n="Megan Ross", c="Cascade Cartography", addr="500 Boren Ave N, WA 98109", city="Seattle", date="2026-12-18", tags="quantity_words"),

o("""Can you ship internationally to Chile? I'd like 10 tees teal (5 M, 5 L) to Valparaíso, Cerro Alegre, Calle Templeman 12. Thanks! Francisca""",
  "TEE 5 teal M; TEE 5 teal L", n="Francisca", addr="Cerro Alegre, Calle Templeman 12", city="Valparaíso", country="Chile", tags="chat question"),

o("""Order: 1 tilting mount. Our display model is a Samsung 50". Will the mount fit? If not, don't send. Ravi, Pune""",
  "TILT 1", n="Ravi", city="Pune", notes="only send if it fits a Samsung 50-inch display", tags="chat question"),

o("""We want to order 10 mugs, 10 tumblers and 10 tote bags for our clients. Colours: mugs teal, tumblers steel, totes natural. Delivery to Dalton Wealth, 14 Rue du Rhône, 1204 Genève, Suisse. Yours, Anne-Sophie Rey""",
  "MUG 10 teal; TUMB 10 steel; TOTE 10 natural", n="Anne-Sophie Rey", c="Dalton Wealth", addr="14 Rue du Rhône, 1204", city="Genève", country="Switzerland"),

o("""need 1 display 32 for the kitchen. no mount. Lisbon office""",
  "D32 1", city="Lisbon", tags="chat"),

o("""Hello! Please deliver one 55-inch display and one tilting mount to Piazza San Marco 1, Venezia, Italia. We need it by 23 December 2026. Grazie, Alessandro Conti, Laguna Hotels""",
  "D55 1; TILT 1", n="Alessandro Conti", c="Laguna Hotels", addr="Piazza San Marco 1", city="Venezia", country="Italy", date="2026-12-23"),

o("""Morning, I'm after two of the large sticker boxes (the 500 ones) plus fifty pens in teal. Thanks, Gareth, Swansea""",
  "STKL 2 box; PEN 50 teal", n="Gareth", city="Swansea", tags="chat quantity_words"),

o("""Hi, please ship these to our Lisbon office, Avenida da República 50: 5 hoodies navy L, 5 hoodies navy M. Wait — our Lisbon office moved. Ship to Rua Castilho 39 instead. Same city. Thanks, Joana""",
  "HOOD 5 navy L; HOOD 5 navy M", n="Joana", addr="Rua Castilho 39", city="Lisbon", tags="correction"),
]
