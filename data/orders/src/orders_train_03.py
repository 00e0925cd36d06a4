from dsl import o

ORDERS = [
o("""Contact form submission
Name: Hugo Lefèvre
Company: Nébuleuse SAS
Message: Bonjour, I want 2 tilting mounts and 2 displays of 55 inches for our open space. Address 3 quai des Chartrons, 33000 Bordeaux, France. Thanks""",
  "TILT 2; D55 2", n="Hugo Lefèvre", c="Nébuleuse SAS", addr="3 quai des Chartrons, 33000", city="Bordeaux", country="France", tags="non_native"),

o("""just the mugs pls. 4. black""",
  "MUG 4 black", tags="chat"),

o("""Hi, we're a university lab (Department of Physics, University of Tartu) and would like 2 notebooks packs (black) and 1 pack of pens. Address W. Ostwaldi 1, 50411 Tartu, Estonia. Best, Dr. Maarja Kask""",
  "NOTE 2 black pack; PEN 1 pack", n="Maarja Kask", c="Department of Physics, University of Tartu", addr="W. Ostwaldi 1, 50411", city="Tartu", country="Estonia"),

o("""Hello again! Following up on my order from Monday — please increase the t-shirts from 20 to 25 (all black, M). Nothing else changes. Leila Haddad, Cedar Point Media""",
  "TEE 25 black M", n="Leila Haddad", c="Cedar Point Media", notes="changes an order from Monday; other lines unchanged", tags="email correction"),

o("""We need the cleaning kits (2), a 2m hdmi cable, and a 5m one. Thanks. Rome office: Via del Corso 300, 00186 Roma.""",
  "CLEAN 2; H2 1; H5 1", addr="Via del Corso 300, 00186", city="Roma"),

o("""Hey! Could we get 10 black hoodies, sizes: 2xS, 3xM, 3xL, 2xXL, and 10 beanies (charcoal)? Send to 901 Market St, Philadelphia, PA 19107. Need them before our holiday party on Dec 17. Thanks, Marcus Reed — Brickyard Labs""",
  "HOOD 2 black S; HOOD 3 black M; HOOD 3 black L; HOOD 2 black XL; BEANIE 10 charcoal", n="Marcus Reed", c="Brickyard Labs", addr="901 Market St, PA 19107", city="Philadelphia", notes="needed before the holiday party on Dec 17 (no year given)", tags="chat unresolved_date"),

o("""Is the 65 inch in stock? If yes please ship one to Kalvebod Brygge 39, Copenhagen with an arm mount. Otherwise the 55. —Astrid, Nordvind ApS""",
  "D65 1; ARM 1", n="Astrid", c="Nordvind ApS", addr="Kalvebod Brygge 39", city="Copenhagen", notes="if the 65-inch is out of stock, send the 55-inch instead", tags="chat question"),

o("""good morning, my order: tote bag black 1, tote bag natural 1, tumbler steel 1. My address: Carrera 7 # 71-21, Bogotá, Colombia. Andrés Restrepo""",
  "TOTE 1 black; TOTE 1 natural; TUMB 1 steel", n="Andrés Restrepo", addr="Carrera 7 # 71-21", city="Bogotá", country="Colombia", tags="non_native"),

o("""Hi, I'm Kate from Wildflower Bakery. We use Pulseboard on a TV in the kitchen and want a proper setup: a 32 inch display, a fixed wall mount and the kiosk stick. Can you ship to 16 Church Street, Bath BA1 1NL? No rush.""",
  "D32 1; FIX 1; STICK 1", n="Kate", c="Wildflower Bakery", addr="16 Church Street, BA1 1NL", city="Bath", notes="no rush", tags="chat"),

o("""Pls send 300 stickers and 30 sticker sheets to Yonge St 2300, Toronto. Thx! Amir""",
  "STKL 300; STKT 30", n="Amir", addr="Yonge St 2300", city="Toronto", tags="chat"),

o("""Dear Pulseboard Store,
I am contacting you regarding an order for our annual partner summit. We need:
forty tote bags (natural), forty notebooks (sand), forty pens (teal).
The summit is in Lisbon, so please deliver to Centro de Congressos de Lisboa, Praça das Indústrias 1, 1300-307 Lisboa, Portugal, no later than 2027-03-15.
With best regards,
Inês Costa
Events Manager, Marés Software""",
  "TOTE 40 natural; NOTE 40 sand; PEN 40 teal", n="Inês Costa", c="Marés Software", addr="Centro de Congressos de Lisboa, Praça das Indústrias 1, 1300-307", city="Lisboa", country="Portugal", date="2027-03-15", tags="email signature quantity_words"),

o("""I want to order a mug. White.""",
  "MUG 1 white", tags="chat"),

o("""Hi, 3 socks pairs in black size L, 3 in teal size M, and 1 beanie orange. Deliver to Heidelberg, Hauptstraße 120. thank you! Felix""",
  "SOCKS 3 black L; SOCKS 3 teal M; BEANIE 1 orange", n="Felix", addr="Hauptstraße 120", city="Heidelberg", tags="chat"),

o("""We'd like to order for three offices. All to our central mailroom please: 9 x 43" displays, 9 x fixed mounts, 9 kiosk sticks, 9 HDMI 2m. Mailroom: 1 Harbourfront Ave, Singapore 099253. PO: SG-44102. Regards, Tan Mei Ling, Merlion Payments""",
  "D43 9; FIX 9; STICK 9; H2 9", n="Tan Mei Ling", c="Merlion Payments", addr="1 Harbourfront Ave, 099253", city="Singapore", country="Singapore", notes="PO SG-44102; for three offices, shipped to the central mailroom", tags="email bulk"),

o("""hey it's Lucas again. forgot to say the hoodies should be navy not black. same 6 hoodies, size L""",
  "HOOD 6 navy L", n="Lucas", notes="changes an earlier order", tags="chat correction"),

o("""Hello, please deliver 2 black backpacks and 2 charcoal ones to Budapest, Andrássy út 60, 1062, Hungary. We need them by 12/20/2026. Thanks, Zsófia Nagy, Danube Dash Kft.""",
  "BAG 2 black; BAG 2 charcoal", n="Zsófia Nagy", c="Danube Dash Kft.", addr="Andrássy út 60, 1062", city="Budapest", country="Hungary", date="2026-12-20"),

o("""Could you send me one of everything for the apparel line? I'm a L, black if possible. Jamie (Seattle)""",
  "HOOD 1 black L; TEE 1 black L; CAP 1 black; BEANIE 1; SOCKS 1 black L", n="Jamie", city="Seattle", notes="asked for one of every apparel item; beanie not offered in black", tags="chat"),

o("""I'd like 2 boxes of teal mugs and 1 box of black mugs please. Send to our Lisbon office, Avenida da Liberdade 190. Rui""",
  "MUG 2 teal box; MUG 1 black box", n="Rui", addr="Avenida da Liberdade 190", city="Lisbon"),

o("""Hello Pulseboard, this is Priyanka at Lotus Health Tech, Hyderabad. We would like to purchase twelve desk mats (black) and twelve notebooks (black). Please ship to Plot 21, HITEC City, Hyderabad 500081, India. Is delivery possible within 2 weeks?""",
  "DESKMAT 12 black; NOTE 12 black", n="Priyanka", c="Lotus Health Tech", addr="Plot 21, HITEC City, 500081", city="Hyderabad", country="India", notes="asks whether delivery within 2 weeks is possible", tags="email quantity_words question unresolved_date"),

o("""Add 2 x USB-C adapters to my open order please — Wes""",
  "USBC 2", n="Wes", notes="add to an open order", tags="chat"),

o("""Hello, I represent Kauri Coffee Roasters in Auckland. We'd like a 43-inch display on a floor stand for our roastery floor, plus a 5 metre HDMI cable. Address: 42 Ponsonby Road, Auckland 1011, New Zealand. Many thanks, Liam Thompson""",
  "D43 1; STAND 1; H5 1", n="Liam Thompson", c="Kauri Coffee Roasters", addr="42 Ponsonby Road, 1011", city="Auckland", country="New Zealand"),

o("""Hey 👋 can I get 2 tees white M + 2 tees teal M? ship to 55 Dalhousie St, Halifax NS, Canada. thanks!! -Emily""",
  "TEE 2 white M; TEE 2 teal M", n="Emily", addr="55 Dalhousie St, NS", city="Halifax", country="Canada", tags="chat"),

o("""Dear sir, I want 1 hoodi blak size XXL. I live in Izmir, Turkey, Alsancak, Kıbrıs Şehitleri Cd. 100. Thanks Mehmet Yılmaz""",
  "HOOD 1 black XXL", n="Mehmet Yılmaz", addr="Alsancak, Kıbrıs Şehitleri Cd. 100", city="Izmir", country="Turkey", tags="non_native typo"),

o("""Hi, we need 3 sets of: 55" display + tilting mount + 2m HDMI. Deliver to Stationsplein 10, Utrecht, Netherlands before 2026-12-22. Thanks, Pieter de Vries - Polder Data""",
  "D55 3; TILT 3; H2 3", n="Pieter de Vries", c="Polder Data", addr="Stationsplein 10", city="Utrecht", country="Netherlands", date="2026-12-22"),

o("""Hi. I'd like the lanyards — 50, teal. But I'd like them with our company name printed, is that possible? We're Nimbus Air. Ship to Vilnius, Lithuania. Thanks, Rūta""",
  "LANY 50 teal", n="Rūta", c="Nimbus Air", city="Vilnius", country="Lithuania", notes="asks for custom printing with company name", tags="chat question"),

o("""sorry to bother — the order I placed earlier should ship to Glasgow not Edinburgh. It's 2 black hoodies size M. Fiona""",
  "HOOD 2 black M", n="Fiona", city="Glasgow", notes="changes the delivery city of an earlier order", tags="chat correction"),

o("""Please ship to the following address: Room 305, 18 Hysan Avenue, Causeway Bay. Items: tumbler x3 (black), mug x3 (teal). Thank you. Wong Ka Yan""",
  "TUMB 3 black; MUG 3 teal", n="Wong Ka Yan", addr="Room 305, 18 Hysan Avenue, Causeway Bay"),

o("""Order from Blue Harbor Credit Union: 4 t-shirts teal L, 4 t-shirts teal XL, 8 caps teal. Mail to 300 Water St, Portland, ME 04101. Attention: Greg Sullivan. Sent by Alicia Moreno""",
  "TEE 4 teal L; TEE 4 teal XL; CAP 8 teal", n="Alicia Moreno", c="Blue Harbor Credit Union", addr="300 Water St, ME 04101", city="Portland", notes="attention: Greg Sullivan", tags="recipient_differs"),

o("""hi i want 2 pens""",
  "PEN 2", tags="chat"),

o("""Good evening, we need new displays for our call centre. Please send seven (7) 55-inch displays and seven arm mounts — wait, make the mounts tilting, not arm. Deliver to Rua do Ouro 10, 4000-405 Porto, Portugal. Obrigado, Tiago Ferreira, Atlântico Telecom""",
  "D55 7; TILT 7", n="Tiago Ferreira", c="Atlântico Telecom", addr="Rua do Ouro 10, 4000-405", city="Porto", country="Portugal", tags="correction quantity_words"),

o("""Hi, requesting 2 desk mats grey, 2 black, and a wrist rest if you sell those. Our office is at 1 Sheikh Zayed Rd, Dubai. Thanks, Omar""",
  "DESKMAT 2 grey; DESKMAT 2 black; ?wrist_rest 1", n="Omar", addr="1 Sheikh Zayed Rd", city="Dubai", notes="wrist rest only if sold", tags="chat question"),

o("""Our order: 1 pack of logo stickers, 1 pack of tile sheets, 1 pack of lanyards (black). Kindest regards, Joanna Wiśniewska, Wrocław""",
  "STKL 1 pack; STKT 1 pack; LANY 1 black pack", n="Joanna Wiśniewska", city="Wrocław"),

o("""Yo!! Need merch for our booth at Web Summit. 200 logo stickers (4 packs), 20 caps black, 20 tees black M. Ship to our hotel: Hotel Avenida, Av. da Liberdade 123, Lisbon, Portugal by 2026-11-28. Gabe @ Fernweh Apps""",
  "STKL 4 pack; CAP 20 black; TEE 20 black M", n="Gabe", c="Fernweh Apps", addr="Hotel Avenida, Av. da Liberdade 123", city="Lisbon", country="Portugal", date="2026-11-28", tags="chat"),

o("""I want three mugs: teal, teal and white. And two tumblers (black). Send to Geneva, Rue du Rhône 80. Merci, Claire""",
  "MUG 2 teal; MUG 1 white; TUMB 2 black", n="Claire", addr="Rue du Rhône 80", city="Geneva", tags="chat quantity_words"),

o("""Hello team, I'm from Aurora Borealis Tours in Tromsø. We want 10 beanies (5 charcoal 5 orange) and 10 socks pairs in black size L for our guides. Storgata 50, 9008 Tromsø, Norway. Deadline 1 December 2026. Thanks! Kari Nilsen""",
  "BEANIE 5 charcoal; BEANIE 5 orange; SOCKS 10 black L", n="Kari Nilsen", c="Aurora Borealis Tours", addr="Storgata 50, 9008", city="Tromsø", country="Norway", date="2026-12-01"),

o("""Please do 1 hoodie navy S, 1 hoodie navy M, 1 hoodie heather grey M. My name: Nicolás Fuentes, Santiago, Chile, Av. Providencia 1208.""",
  "HOOD 1 navy S; HOOD 1 navy M; HOOD 1 heather_grey M", n="Nicolás Fuentes", addr="Av. Providencia 1208", city="Santiago", country="Chile"),

o("""hi store. 2 HDMI 2m packs (so 10 cables) + 10 USB-C adapters. Kiel office. Thx Jannik""",
  "H2 2 pack; USBC 10", n="Jannik", city="Kiel", tags="chat"),

o("""Hello,

Please find our order for the Vienna showroom:
Wall Display 43-inch: 2
Mobile Floor Stand: 2
Screen Cleaning Kit: 2

Address: Mariahilfer Straße 77, 1060 Wien, Austria.
Please call our front desk on +43 1 555 0199 before delivery.

Regards,
Theresa Gruber
Donaukanal Design GmbH""",
  "D43 2; STAND 2; CLEAN 2", n="Theresa Gruber", c="Donaukanal Design GmbH", addr="Mariahilfer Straße 77, 1060", city="Wien", country="Austria", notes="call front desk on +43 1 555 0199 before delivery", tags="email signature"),

o("""Do you have the sand cap? I'd like 2. And 2 of the sand notebooks. Chicago, 233 S Wacker Dr. Kevin""",
  "CAP 2 sand; NOTE 2 sand", n="Kevin", addr="233 S Wacker Dr", city="Chicago", tags="chat question"),

o("""Good afternoon! Our company Sol Andino SAC wants to order 6 teal tees (M), 6 black tees (L) and 12 pens teal. Delivery: Av. José Larco 1301, Miraflores, Lima, Peru. Contact: Rosa Quispe""",
  "TEE 6 teal M; TEE 6 black L; PEN 12 teal", n="Rosa Quispe", c="Sol Andino SAC", addr="Av. José Larco 1301, Miraflores", city="Lima", country="Peru"),

o("""could you deliver 1 stick, 1 hdmi 2m, 1 fixed mount and the 32 inch screen to our dentist practice in Graz? Dr. Peter Hofer, Zahnarztpraxis Hofer""",
  "STICK 1; H2 1; FIX 1; D32 1", n="Peter Hofer", c="Zahnarztpraxis Hofer", city="Graz", tags="question"),

o("""Hi, I need 8 hoodies in XL for the warehouse guys, colour doesn't matter, whatever you have most of. Deliver to Unit 12, Trafford Park, Manchester M17 1AB. Cheers, Dave Collins, Northway Freight""",
  "HOOD 8 XL", n="Dave Collins", c="Northway Freight", addr="Unit 12, Trafford Park, M17 1AB", city="Manchester", notes="any color", tags="chat"),

o("""Greetings from Marrakech! We, Atlas Analytics, wish to order two displays 55 inch and two tilting supports. Address: 12 Rue Yougoslavie, Guéliz, Marrakech, Morocco. Best wishes, Youssef El Amrani""",
  "D55 2; TILT 2", n="Youssef El Amrani", c="Atlas Analytics", addr="12 Rue Yougoslavie, Guéliz", city="Marrakech", country="Morocco", tags="non_native quantity_words"),

o("""Sorry, one more change: cancel the 5m cable, keep the rest of my order (the 43 inch display + the fixed mount). Priya N.""",
  "D43 1; FIX 1", n="Priya N.", notes="changes an earlier order; 5 m HDMI cable cancelled", tags="chat cancellation"),

o("""Hi, order for 2 kiosk sticks please. We need them by 2027-01-20. Oksana, Kyiv Digital""",
  "STICK 2", n="Oksana", c="Kyiv Digital", date="2027-01-20", tags="chat"),

o("""I'm putting together welcome packs for new starters. Per pack: 1 notebook black, 1 pen black, 1 mug white, 1 tote natural. I need 15 packs. Send to 71 Rivington St, New York, NY 10002, United States. Thanks! Ruth Kaplan, Hollis & Grey""",
  "NOTE 15 black; PEN 15 black; MUG 15 white; TOTE 15 natural", n="Ruth Kaplan", c="Hollis & Grey", addr="71 Rivington St, NY 10002", city="New York", country="United States", notes="to be assembled as 15 welcome packs (one of each item per pack)"),

o("""hi, im ordering 1 deskmat black and 1 mousepad. bye""",
  "DESKMAT 1 black; ?mousepad 1", tags="chat"),

o("""Please send the following to our Antwerp warehouse (Noorderlaan 147, 2030 Antwerpen, Belgium): 2 boxes logo stickers, 2 boxes mugs white, 2 boxes cleaning kits. Order ref: NR-3390. Bart Janssens""",
  "STKL 2 box; MUG 2 white box; CLEAN 2 box", n="Bart Janssens", addr="Noorderlaan 147, 2030", city="Antwerpen", country="Belgium", notes="order reference NR-3390"),
]
