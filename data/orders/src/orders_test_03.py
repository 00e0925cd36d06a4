from dsl import o

ORDERS = [
o("""Do you also sell an HDMI splitter? We'd need 1 of those plus 2 kiosk sticks. No address yet, will confirm.""",
  "?HDMI_splitter 1; STICK 2", notes="HDMI splitter only if sold; delivery address to follow", tags="question"),

o("""pleese send 3 hodies navy sz L and 2 teeshirt wite sz M thnks""",
  "HOOD 3 navy L; TEE 2 white M", tags="chat typo"),

o("""Hello, the delivery should be 02/03/2027 at our Lille office, 5 Rue Faidherbe, Lille. We want 2 tilting mounts. Thank you, Baptiste Morel""",
  "TILT 2", n="Baptiste Morel", addr="5 Rue Faidherbe", city="Lille", notes="date written as 02/03/2027 (ambiguous: 2 March or 3 February)", tags="ambiguous_date"),

o("""We wish to be ordering some of your logo stickers for our students, and also posters of the Pulseboard logo, twenty. Our school is St. Xavier's College, Mahapalika Marg, Mumbai, India. Regards, Fr. Joseph D'Souza""",
  "STKL 1; ?posters_of_the_Pulseboard_logo 20", n="Joseph D'Souza", c="St. Xavier's College", addr="Mahapalika Marg", city="Mumbai", country="India", notes="quantity of logo stickers not stated; posters only if sold", tags="non_native no_quantity quantity_words"),

o("""Hi Pulseboard Store,

Please ship 500 pens (5 boxes, black) and 1,000 logo stickers (2 boxes) to our distributor:
Kiwi Promo Ltd, 80 Fanshawe St, Auckland 1010, New Zealand.
Required by 2027-02-15.

Best,
Sarah Kelly
Kiwi Promo Ltd

--
Kiwi Promo Ltd is registered in New Zealand (company no. 1234567). Please consider the environment before printing this email.
Unsubscribe from our newsletter: reply STOP.""",
  "PEN 5 black box; STKL 2 box", n="Sarah Kelly", c="Kiwi Promo Ltd", addr="80 Fanshawe St, 1010", city="Auckland", country="New Zealand", date="2027-02-15", tags="email signature noise bulk"),

o("""phone stands? 3 of them if u have. and 3 deskmats grey""",
  "?phone_stands 3; DESKMAT 3 grey", notes="phone stands only if available", tags="chat question"),

o("""I am needing for my restaurant one screen 32 inch with support fix to the wall, and one small computer stick for show the board. Address is Avenida Atlântica 1702, Rio de Janeiro. Thank you very much, Paulo Henrique""",
  "D32 1; FIX 1; STICK 1", n="Paulo Henrique", addr="Avenida Atlântica 1702", city="Rio de Janeiro", tags="non_native"),

o("""Hi, we'd like some tumblers for the sales team, steel please. Deliver to Quay House, 2 Quay St, Bristol. Thanks!""",
  "TUMB 1 steel", addr="Quay House, 2 Quay St", city="Bristol", notes="quantity not stated", tags="no_quantity"),

o("""Order for the regional roll-out (all to our central IT depot): 40 x 43" displays, 40 x fixed mounts, 40 x kiosk sticks, 8 packs of 2 m HDMI cables. Depot: 600 Industrial Pkwy, Mississauga, ON L5T 2B2, Canada. PO CR-2026-901. Regards, Devon Clarke, Canuck Retail Group""",
  "D43 40; FIX 40; STICK 40; H2 8 pack", n="Devon Clarke", c="Canuck Retail Group", addr="600 Industrial Pkwy, ON L5T 2B2", city="Mississauga", country="Canada", notes="PO CR-2026-901; regional roll-out", tags="bulk"),

o("""Hello,
Thank you for your previous reply.
Kindly find below our order, which has been approved by the management board in today's meeting:
four Pulseboard hoodies in black size medium, and four Pulseboard caps in black.
Please advise the shipping cost to Harare, Zimbabwe (14 Samora Machel Ave).
Best regards,
Tendai Moyo
Msasa Insights (Pvt) Ltd
Tel: +263 24 555 0100 | www.msasa.example""",
  "HOOD 4 black M; CAP 4 black", n="Tendai Moyo", c="Msasa Insights (Pvt) Ltd", addr="14 Samora Machel Ave", city="Harare", country="Zimbabwe", notes="asks for the shipping cost", tags="email signature noise non_native quantity_words"),

o("""Can I order one of the wireless presenter clickers and a black notebook? Just to the office. Thx""",
  "?wireless_presenter_clicker 1; NOTE 1 black", notes="deliver to 'the office' (address not given)", tags="chat"),

o("""dear sirs i want to making order of 2 pieces mobile stand and 2 pieces display 55 for my shop in Kraków, ul. Długa 12. with respect, Stanisław""",
  "STAND 2; D55 2", n="Stanisław", addr="ul. Długa 12", city="Kraków", tags="non_native"),

o("""hi pls send 1 teal mug + 1 blak cap + 1 tumbler stel. gift 4 my sis""",
  "MUG 1 teal; CAP 1 black; TUMB 1 steel", notes="gift", tags="chat typo"),

o("""Hello, our lab would like to order 3 sets of display + floor stand (43 inch) and also a laptop docking station for each set if you carry them. Ship to Room 210, Science Park 5, Eindhoven. Thank you, Ir. Bram Visser, Lichtlab""",
  "D43 3; STAND 3; ?laptop_docking_station 3", n="Bram Visser", c="Lichtlab", addr="Room 210, Science Park 5", city="Eindhoven", notes="docking stations only if carried", tags="question"),
]
