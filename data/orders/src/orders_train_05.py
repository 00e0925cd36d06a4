from dsl import o

ORDERS = [
o("""Hi, it's Tamsin from Saltmarsh Brewing. We'd love 24 pint glasses with the Pulseboard logo and 24 black mugs (so 4 boxes I think). Shipping to Unit 3, Harbour Yard, Falmouth TR11 2AB. Cheers!""",
  "?pint_glasses_with_the_Pulseboard_logo 24; MUG 4 black box", n="Tamsin", c="Saltmarsh Brewing", addr="Unit 3, Harbour Yard, TR11 2AB", city="Falmouth", tags="chat"),

o("""Dear Pulseboard Store, I would like to order the following for my personal use: 1 Laptop Backpack in charcoal, 1 Dotted Notebook in sand. Please deliver to Ana Petrović, Ilica 45, 10000 Zagreb, Croatia. Thank you in advance.""",
  "BAG 1 charcoal; NOTE 1 sand", n="Ana Petrović", addr="Ilica 45, 10000", city="Zagreb", country="Croatia", tags="email"),

o("""we need 6 kiosk sticks. our IT guy says also 6 usb-c adapters. ship to Riga, Brīvības iela 40. Jānis, Baltic Fleet Tracking""",
  "STICK 6; USBC 6", n="Jānis", c="Baltic Fleet Tracking", addr="Brīvības iela 40", city="Riga", tags="chat"),

o("""Hi! 3 white mugs, 3 black mugs. Oh and a few stickers, like 20. Thanks! Pippa""",
  "MUG 3 white; MUG 3 black; STKL 20", n="Pippa", tags="chat"),

o("""Hello, our board of directors wants a dashboard wall. Please send four 65" displays, four articulating arm mounts and four 5m HDMI cables to Meridian Trust Bank, 25 Bank Street, Cheltenham GL50 1AA. Delivery on 14 December 2026 exactly, not earlier (the room is being painted). Regards, Geoffrey Lambert, Facilities""",
  "D65 4; ARM 4; H5 4", n="Geoffrey Lambert", c="Meridian Trust Bank", addr="25 Bank Street, GL50 1AA", city="Cheltenham", date="2026-12-14", notes="deliver exactly on that date, not earlier", tags="email quantity_words"),

o("""yo can i get the orange beanie + the black socks in L""",
  "BEANIE 1 orange; SOCKS 1 black L", tags="chat question"),

o("""Hi Pulseboard, I run a coworking space in Porto (Rua de Santa Catarina 112). I'd like to put your mugs in our kitchen: 4 boxes of white. And 1 box of the cleaning kits for our screens. Thanks, Miguel Sousa, Cowork Ribeira""",
  "MUG 4 white box; CLEAN 1 box", n="Miguel Sousa", c="Cowork Ribeira", addr="Rua de Santa Catarina 112", city="Porto"),

o("""Please ship two of the 2 m HDMI cables and two of the 5 m ones to our office at 350 5th Ave, New York, NY 10118. Thanks, Priscilla Grant, Empire Signal""",
  "H2 2; H5 2", n="Priscilla Grant", c="Empire Signal", addr="350 5th Ave, NY 10118", city="New York", tags="quantity_words"),

o("""I would like to order 2 hoodies. First: black, M. Second: also black, but L. Thank you! Klara Novak, Brno, Czech Republic""",
  "HOOD 1 black M; HOOD 1 black L", n="Klara Novak", city="Brno", country="Czechia", tags="non_native"),

o("""Hello there, we're a design agency in Antwerp — Studio Mosselman. We'd like 2 desk mats in grey plus 1 in black, and 3 tumblers in steel. Address: Kloosterstraat 80, 2000 Antwerpen, Belgium. Invoice with our VAT BE0123456789 please. — Jef""",
  "DESKMAT 2 grey; DESKMAT 1 black; TUMB 3 steel", n="Jef", c="Studio Mosselman", addr="Kloosterstraat 80, 2000", city="Antwerpen", country="Belgium", notes="invoice with VAT BE0123456789"),

o("""hi, do u have kids sizes for the tshirt? if not, XS x2 white is fine""",
  "TEE 2 white XS", notes="asked about kids sizes; XS as fallback", tags="chat question"),

o("""Please send to our warehouse in Johannesburg (23 Jan Smuts Ave, Parktown, Johannesburg, South Africa):
5 x 55 inch displays, 5 x floor stands. Required by 2027-02-26. Sipho Dlamini, Kopano Logistics""",
  "D55 5; STAND 5", n="Sipho Dlamini", c="Kopano Logistics", addr="23 Jan Smuts Ave, Parktown", city="Johannesburg", country="South Africa", date="2027-02-26"),

o("""I want to order 7 notebooks in black and 3 in sand. Then 10 pens, 5 teal and 5 black. My office is in Leiden, Breestraat 100. Best, Femke""",
  "NOTE 7 black; NOTE 3 sand; PEN 5 teal; PEN 5 black", n="Femke", addr="Breestraat 100", city="Leiden"),

o("""Dear Pulseboard Store,

Re: our account C-10733

Could you please send the following for our new Glasgow office:
(sorry, I first had to check with facilities.) They confirmed: 3 x 43" displays with tilting mounts.

Deliver to 110 St Vincent St, Glasgow G2 5ER, Scotland.

Thanks,
Morag Campbell
Thistle Data""",
  "D43 3; TILT 3", n="Morag Campbell", c="Thistle Data", addr="110 St Vincent St, G2 5ER", city="Glasgow", country="United Kingdom", notes="customer account C-10733", tags="email signature"),

o("""hello. i need 2 cap teal and 2 cap sand. send Bangkok, Sukhumvit Soi 11. thank you. Somchai""",
  "CAP 2 teal; CAP 2 sand", n="Somchai", addr="Sukhumvit Soi 11", city="Bangkok", tags="chat non_native"),

o("""Could we add a Mobile Floor Stand to order for Wall Display 43 we placed? Thanks, Ines, Berlin""",
  "STAND 1", n="Ines", city="Berlin", notes="add to an earlier order that included a 43-inch display", tags="chat non_native question"),

o("""Re: Pulseboard merch for Q1 onboarding
We'd like 30 t-shirts (black, 10 S, 10 M, 10 L), 30 notebooks black and 30 pens black. Please deliver to 201 Spear St, San Francisco, CA 94105, no later than January 12, 2027.
Thanks!
Kayla Nguyen | People Ops | Fathom Robotics""",
  "TEE 10 black S; TEE 10 black M; TEE 10 black L; NOTE 30 black; PEN 30 black", n="Kayla Nguyen", c="Fathom Robotics", addr="201 Spear St, CA 94105", city="San Francisco", date="2027-01-12", tags="email signature"),

o("""Please send 4 lanyards in teal. That's all. Karin""",
  "LANY 4 teal", n="Karin", tags="chat"),

o("""Hi, I need a 55 inch display but I need it mounted on the ceiling. Do you have ceiling mounts? If yes send 1 with the display. Otherwise send the display only. Rafael, Lisbon""",
  "D55 1; ?ceiling_mount 1", n="Rafael", city="Lisbon", notes="ceiling mount only if available; otherwise display only", tags="chat question"),

o("""Order please — 15 beanies orange, 15 beanies charcoal, for our ski trip. Deliver to Chalet Edelweiss, Dorfstrasse 10, 3920 Zermatt, Switzerland, before 2027-01-22. Lukas Meier, Gipfel Software""",
  "BEANIE 15 orange; BEANIE 15 charcoal", n="Lukas Meier", c="Gipfel Software", addr="Chalet Edelweiss, Dorfstrasse 10, 3920", city="Zermatt", country="Switzerland", date="2027-01-22"),

o("""hi i ordered 3 mugs but want 4 now. color same (teal). thx Mo""",
  "MUG 4 teal", n="Mo", notes="changes an earlier order", tags="chat correction"),

o("""Good afternoon, Tiago here from Verde Campo Agro. We need three 32 inch displays, three fixed mounts and three kiosk sticks for our farm offices. Please deliver all to Rodovia SP-330 km 98, Campinas, SP, Brasil. We need before 2027-03-01.""",
  "D32 3; FIX 3; STICK 3", n="Tiago", c="Verde Campo Agro", addr="Rodovia SP-330 km 98, SP", city="Campinas", country="Brazil", date="2027-03-01", tags="non_native quantity_words"),

o("""hey! can u send a hoodie (navy, L) + tee (teal, L) to my flat in Belfast? 22 Botanic Ave. cheers Niall""",
  "HOOD 1 navy L; TEE 1 teal L", n="Niall", addr="22 Botanic Ave", city="Belfast", tags="chat question"),

o("""We are Helvetia Print AG and would like to resell your stickers at our shop. 10 boxes of logo stickers, 10 packs of tile sheets. Address: Spitalgasse 4, 3011 Bern, Switzerland. Contact: Reto Zimmermann""",
  "STKL 10 box; STKT 10 pack", n="Reto Zimmermann", c="Helvetia Print AG", addr="Spitalgasse 4, 3011", city="Bern", country="Switzerland", notes="for resale", tags="bulk"),

o("""send 1 tilt mount 2 hdmi 2m to office pls""",
  "TILT 1; H2 2", tags="chat"),

o("""Hello, I am writing from Cairo. Our company Nile Metrics need 2 wall display 43 inch and 2 mount fixed. Address is 26 July Street, Zamalek, Cairo, Egypt. Thank you, Mohamed Hassan""",
  "D43 2; FIX 2", n="Mohamed Hassan", c="Nile Metrics", addr="26 July Street, Zamalek", city="Cairo", country="Egypt", tags="non_native"),

o("""Hi team — we'd like eighteen tote bags (black) for a client workshop on the 9th. Please deliver to 100 Pitt St, Sydney. Tom""",
  "TOTE 18 black", n="Tom", addr="100 Pitt St", city="Sydney", notes="for a workshop on the 9th (month not given)", tags="chat quantity_words unresolved_date"),

o("""Hi Pulseboard Store,
We need to equip a second meeting room. Same as the first one: 1 x 55" display, 1 x tilting mount, 1 x kiosk stick, 1 x HDMI 2 m. Ship to Rua Alexandre Herculano 5, 1250-008 Lisboa.
Obrigada,
Beatriz Nunes
Lusitânia Seguros""",
  "D55 1; TILT 1; STICK 1; H2 1", n="Beatriz Nunes", c="Lusitânia Seguros", addr="Rua Alexandre Herculano 5, 1250-008", city="Lisboa", tags="email signature"),

o("""can we get 5 packs of pens (black) — no, 4 packs black and 1 pack teal""",
  "PEN 4 black pack; PEN 1 teal pack", tags="chat correction"),

o("""Hello, I'd like to order a tumbler in rose gold, if you have it. If not, steel is fine. Just one. Address: 4 Marine Parade, Brighton BN2 1TL. Sophie""",
  "TUMB 1 steel", n="Sophie", addr="4 Marine Parade, BN2 1TL", city="Brighton", notes="asked for rose gold (not a catalog color); steel accepted", tags="chat"),

o("""Dear Store, please ship to Kärntner Ring 5, 1010 Vienna: 6 black caps, 6 teal caps, 6 sand caps. Regards, Florian""",
  "CAP 6 black; CAP 6 teal; CAP 6 sand", n="Florian", addr="Kärntner Ring 5, 1010", city="Vienna"),

o("""hi, I'm Sung-min. 4 hoodies: 2 black M, 2 navy M. address 30 Itaewon-ro, Yongsan-gu, Seoul. Need by 2026-12-10 thx""",
  "HOOD 2 black M; HOOD 2 navy M", n="Sung-min", addr="30 Itaewon-ro, Yongsan-gu", city="Seoul", date="2026-12-10", tags="chat"),

o("""Please deliver 300 pens to our conference in Las Vegas (Venetian Expo, 201 Sands Ave, Las Vegas, NV 89169). Actually 3 boxes, so that's the same. Mix of teal and black would be nice. Hector Alvarez, Mesa Data""",
  "PEN 3 box", n="Hector Alvarez", c="Mesa Data", addr="Venetian Expo, 201 Sands Ave, NV 89169", city="Las Vegas", notes="mix of teal and black would be nice", tags="bulk"),

o("""Hello. Our order: 2 sets of display 43 with fixed mount. One set goes to our Lyon office, both to be shipped to Lyon, 20 Rue de la République. Thanks Léa Girard""",
  "D43 2; FIX 2", n="Léa Girard", addr="20 Rue de la République", city="Lyon", tags="non_native"),

o("""Hi!! We want to give our customers a little gift. 50 tile sheets, 50 logo stickers and 50 pens. Small-ish budget haha. Ship to Kaffeewerk, Schanzenstraße 12, Hamburg. Merle""",
  "STKT 50; STKL 50; PEN 50", n="Merle", c="Kaffeewerk", addr="Schanzenstraße 12", city="Hamburg", tags="chat"),

o("""Please send me 1 socks pair black M. Riyadh. Thanks""",
  "SOCKS 1 black M", city="Riyadh", tags="chat"),

o("""Good morning,
Please see our order:
Qty 2 — Tilting Wall Mount
Qty 1 — Articulating Arm Mount
Qty 3 — HDMI Cable 2 m
Delivery: Paseo de la Castellana 95, 28046 Madrid, Spain
Requested date: 19 January 2027
Regards,
Carmen Vidal
Sierra Nevada Capital""",
  "TILT 2; ARM 1; H2 3", n="Carmen Vidal", c="Sierra Nevada Capital", addr="Paseo de la Castellana 95, 28046", city="Madrid", country="Spain", date="2027-01-19", tags="email signature"),

o("""Is the heather grey hoodie available in XXL? I'd take two. Olu, Abuja""",
  "HOOD 2 heather_grey XXL", n="Olu", city="Abuja", tags="chat question"),

o("""Hello — we've been using Pulseboard for 2 years and finally want the merch! 1 hoodie navy XL, 1 tee black XL, 1 cap black, 1 mug black. Ship to Dana Cohen, 9 Rothschild Blvd, Tel Aviv""",
  "HOOD 1 navy XL; TEE 1 black XL; CAP 1 black; MUG 1 black", n="Dana Cohen", addr="9 Rothschild Blvd", city="Tel Aviv", tags="chat"),

o("""pls deliver 2 arm mount + 2 hdmi 5m to Milano Via Tortona 27. we need for friday""",
  "ARM 2; H5 2", addr="Via Tortona 27", city="Milano", notes="needed for Friday", tags="chat non_native unresolved_date"),

o("""Hi, I'm writing on behalf of Mariposa Kids Foundation in Guadalajara, Mexico. We would like to order 40 t-shirts in teal, all size S, for volunteers. Our address: Av. Chapultepec 480, Guadalajara, Jalisco. Muchas gracias, Ximena Torres""",
  "TEE 40 teal S", n="Ximena Torres", c="Mariposa Kids Foundation", addr="Av. Chapultepec 480, Jalisco", city="Guadalajara", country="Mexico", tags="email bulk"),

o("""Could you please send two packs of black lanyards and one pack of teal? Also 75 logo stickers. We're at 12 Queen's Road Central, Hong Kong. Thanks, Alan Chow""",
  "LANY 2 black pack; LANY 1 teal pack; STKL 75", n="Alan Chow", addr="12 Queen's Road Central", city="Hong Kong", tags="question quantity_words"),

o("""I want to buy a mug for my dad. Black. Can u ship to Perth, Australia? Jess""",
  "MUG 1 black", n="Jess", city="Perth", country="Australia", tags="chat question"),

o("""Hi Pulseboard Store, please deliver 3 backpacks (charcoal) and 3 desk mats (grey) to Avenida Paulista 1578, São Paulo, by 22/12/2026. Thanks, Camila Rocha, Ipê Digital""",
  "BAG 3 charcoal; DESKMAT 3 grey", n="Camila Rocha", c="Ipê Digital", addr="Avenida Paulista 1578", city="São Paulo", date="2026-12-22"),

o("""We need ten 43" screens and ten tilting mounts for our retail branches, shipped to our distribution centre: 45 Industrial Rd, Auckland 2022, New Zealand. Also 10 kiosk sticks. Hmm, make that 12 sticks, we want 2 spares. Thanks, Ruby Chen, Southern Cross Retail""",
  "D43 10; TILT 10; STICK 12", n="Ruby Chen", c="Southern Cross Retail", addr="45 Industrial Rd, 2022", city="Auckland", country="New Zealand", tags="correction quantity_words bulk"),

o("""one box mugs teal one box mugs white""",
  "MUG 1 teal box; MUG 1 white box", tags="chat quantity_words"),

o("""Hey — please ship my order to my home instead of the office: 18 Willow Crescent, Oxford OX2 6HT. It's the 2 hoodies (black L). Sorry for the confusion! Harry""",
  "HOOD 2 black L", n="Harry", addr="18 Willow Crescent, OX2 6HT", city="Oxford", notes="changes the delivery address of an earlier order", tags="chat correction"),

o("""Good day, we want to order 1 articulating arm for our 32 inch screen and 1 cleaning kit. Shipping: Rua Augusta 300, Lisboa. Sincerely, Fernando Matos""",
  "ARM 1; CLEAN 1", n="Fernando Matos", addr="Rua Augusta 300", city="Lisboa", tags="non_native"),

o("""Hello, this is Ivana from Dalmatia Data, Split, Croatia. We'd like 2 tumblers black, 2 tumblers steel and 2 caps teal. Address: Obala Hrvatskog narodnog preporoda 10, 21000 Split. Many thanks!""",
  "TUMB 2 black; TUMB 2 steel; CAP 2 teal", n="Ivana", c="Dalmatia Data", addr="Obala Hrvatskog narodnog preporoda 10, 21000", city="Split", country="Croatia"),

o("""Sorry I mean 2 packs of sticker sheets not 2 sheets. -Ola""",
  "STKT 2 pack", n="Ola", notes="corrects an earlier message", tags="chat correction"),
]
