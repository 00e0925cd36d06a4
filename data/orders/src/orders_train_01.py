from dsl import o

ORDERS = [
o("""Hi team, could we get 4 black hoodies in size L and 2 in M (also black)? Ship to our office at Rua Augusta 120, 1100-053 Lisboa, Portugal. Thanks, Marta Carvalho, Ondaverde Lda""",
  "HOOD 4 black L; HOOD 2 black M", n="Marta Carvalho", c="Ondaverde Lda", addr="Rua Augusta 120, 1100-053", city="Lisboa", country="Portugal", tags="email signature"),

o("""need 2 boxes of logo stickers asap""",
  "STKL 2 box", notes="asap", tags="chat unresolved_date"),

o("""Hello,

We would like to order one 55-inch wall display with a tilting wall mount and a 5 m HDMI cable. Delivery to 88 Queen Street West, Suite 400, Toronto, Canada, no later than 2026-12-04 please.

Best regards,
Daniel Okafor
Facilities Coordinator | Northgate Logistics""",
  "D55 1; TILT 1; H5 1", n="Daniel Okafor", c="Northgate Logistics", addr="88 Queen Street West, Suite 400", city="Toronto", country="Canada", date="2026-12-04", tags="email signature"),

o("""hey can i get three teal mugs and a teal cap. actually make that 4 mugs""",
  "MUG 4 teal; CAP 1 teal", tags="chat correction quantity_words"),

o("""Good morning, I am writing for to order the t-shirts for our team event. We need 10 white in size M and 6 white in size S, and 5 black XL. Please deliver to Calle de Alcalá 45, 28014 Madrid, Spain. Greetings, Lucía Fernández""",
  "TEE 10 white M; TEE 6 white S; TEE 5 black XL", n="Lucía Fernández", addr="Calle de Alcalá 45, 28014", city="Madrid", country="Spain", tags="email non_native"),

o("""Order for Kessler & Voss: 2x Wall Display 43", 2x fixed wall mount, 1 pack HDMI 2m. Address: Lindenstraße 7, 10969 Berlin, Germany. Needed by 15.12.2026. -- Jonas Weber""",
  "D43 2; FIX 2; H2 1 pack", n="Jonas Weber", c="Kessler & Voss", addr="Lindenstraße 7, 10969", city="Berlin", country="Germany", date="2026-12-15", tags="signature"),

o("""Hi! Do you still have the beanies in orange? If yes I'll take five. Send to my home in Manchester please — Priya""",
  "BEANIE 5 orange", n="Priya", city="Manchester", tags="chat quantity_words question"),

o("""From: accounts@pinecrest.example
Subject: merch order

Please send 20 lanyards (teal) and 200 pens. Invoice to PO 55812.

Regards
Tom Haverford
Pinecrest Dental Group
This email and any attachments are confidential and intended solely for the addressee.""",
  "LANY 20 teal; PEN 200", n="Tom Haverford", c="Pinecrest Dental Group", notes="PO 55812", tags="email signature noise"),

o("""yo, 1 kiosk stick + 1 usb-c adapter, deliver to Austin TX. thx""",
  "STICK 1; USBC 1", city="Austin", tags="chat"),

o("""Dear Sir or Madam, kindly to send us two Laptop Backpack in charcoal colour and one in black. Our company is Sunrise Infotech Pvt Ltd, 4th Floor, Prestige Tower, MG Road, Bengaluru 560001, India. Regards, Rahul Menon""",
  "BAG 2 charcoal; BAG 1 black", n="Rahul Menon", c="Sunrise Infotech Pvt Ltd", addr="4th Floor, Prestige Tower, MG Road, 560001", city="Bengaluru", country="India", tags="email non_native quantity_words"),

o("""Can you ship 3 desk mats, grey, to our Amsterdam office? Keizersgracht 321, 1016 EE. It's for Fjordline B.V. Sanne""",
  "DESKMAT 3 grey", n="Sanne", c="Fjordline B.V.", addr="Keizersgracht 321, 1016 EE", city="Amsterdam", tags="chat"),

o("""We want 6 mugs in black, no wait, white. Six white mugs. And a box of 12 cleaning kits.""",
  "MUG 6 white; CLEAN 1 box", tags="correction quantity_words"),

o("""Hi Pulseboard Store,
our new NOC room needs 4 x 65 inch displays, each on an articulating arm mount, plus 4 kiosk sticks. Could they arrive before the end of the month? Ship to: Helix Networks, 500 Howard St, San Francisco, CA 94105, USA.
Cheers, Mei Lin Zhao""",
  "D65 4; ARM 4; STICK 4", n="Mei Lin Zhao", c="Helix Networks", addr="500 Howard St, CA 94105", city="San Francisco", country="United States", notes="wants delivery before the end of the month", tags="email unresolved_date bulk"),

o("""socks!! 10 pairs teal size L pls""",
  "SOCKS 10 teal L", tags="chat"),

o("""Hello, I ordered stickers last week but I forgot the tile icon sheets. Please add 3 packs of the tile icons sticker sheets, same address as before (Bristol). Thank you, Olivia Grant""",
  "STKT 3 pack", n="Olivia Grant", city="Bristol", notes="same address as a previous order", tags="email"),

o("""Bonjour, nous souhaitons commander 2 tote bags natural and 2 black ones. Livraison: 14 rue de la Paix, 75002 Paris, France. Merci! Camille Dubois, Atelier Lumen""",
  "TOTE 2 natural; TOTE 2 black", n="Camille Dubois", c="Atelier Lumen", addr="14 rue de la Paix, 75002", city="Paris", country="France", tags="non_native"),

o("""Please quote and ship: one 32-inch display, one mobile floor stand. For the reception area. Deadline December 18, 2026. Address is 22 Harbour Road, Wellington 6011, New Zealand. Aroha Ngata, Tūī Creative""",
  "D32 1; STAND 1", n="Aroha Ngata", c="Tūī Creative", addr="22 Harbour Road, 6011", city="Wellington", country="New Zealand", date="2026-12-18", tags="email"),

o("""Hi, 15 hoodies navy for our engineering offsite: 5 S, 5 M, 5 L. Thank you!""",
  "HOOD 5 navy S; HOOD 5 navy M; HOOD 5 navy L", tags="chat"),

o("""hi again, it's Ben from Corvid Analytics. scratch the tumblers from my earlier message, just keep the 8 notebooks (black). ship to 19 Grafton St, Dublin 2, Ireland""",
  "NOTE 8 black", n="Ben", c="Corvid Analytics", addr="19 Grafton St, Dublin 2", city="Dublin", country="Ireland", notes="replaces an earlier message; tumblers cancelled", tags="chat cancellation"),

o("""Order: 2 pack of pens teal, 1 pack of pens black. Thanks""",
  "PEN 2 teal pack; PEN 1 black pack"),

o("""Dear Pulseboard Store team,

Following our call, please find our order below.

Two 43-inch wall displays
Two tilting wall mounts
Two HDMI cables (2 m)

Delivery: Via Torino 61, 20123 Milano, Italy
Requested delivery date: 8 January 2027

Kind regards,
Giulia Romano
Operations | Ferrovia Dati S.r.l.
Tel. +39 02 5550 1234""",
  "D43 2; TILT 2; H2 2", n="Giulia Romano", c="Ferrovia Dati S.r.l.", addr="Via Torino 61, 20123", city="Milano", country="Italy", date="2027-01-08", tags="email signature quantity_words noise"),

o("""can u do 3 caps in sand + 3 in black""",
  "CAP 3 sand; CAP 3 black", tags="chat"),

o("""Hi, I'd like one hoodie for myself, heather grey, XL. My address is 7 Elm Court, Leeds LS6 2AB, UK. Sam Whitfield""",
  "HOOD 1 heather_grey XL", n="Sam Whitfield", addr="7 Elm Court, LS6 2AB", city="Leeds", country="United Kingdom"),

o("""We need wall mounts for the displays we already have — 3 fixed and 1 articulating arm. Oslo office. /Eirik, Nordlys Data AS""",
  "FIX 3; ARM 1", n="Eirik", c="Nordlys Data AS", city="Oslo", tags="chat"),

o("""Hello I need 40 t shirts teal for conference, sizes: 10 S, 15 M, 10 L, 5 XL. Please it must arrive 2027-02-10 latest because the event is on 12 Feb. Send to Hotel Mirador, Av. Reforma 222, Ciudad de México, Mexico. Att. Carlos Ruiz""",
  "TEE 10 teal S; TEE 15 teal M; TEE 10 teal L; TEE 5 teal XL", n="Carlos Ruiz", addr="Hotel Mirador, Av. Reforma 222", city="Ciudad de México", country="Mexico", date="2027-02-10", tags="non_native bulk"),

o("""Hi, could I get a red hoodie size M? Thanks, Ella""",
  "HOOD 1 M", n="Ella", notes="asked for red, which is not a catalog color", tags="chat"),

o("""Hiya — for the Sydney team: 12 black tumblers and 12 steel ones. Level 3, 60 Pitt Street, Sydney NSW 2000, Australia. Ta, Jack O'Neill (Bluegum Software)""",
  "TUMB 12 black; TUMB 12 steel", n="Jack O'Neill", c="Bluegum Software", addr="Level 3, 60 Pitt Street, NSW 2000", city="Sydney", country="Australia", tags="chat"),

o("""order pls: mugs x 2 boxes (white), logo stickers x 1 box""",
  "MUG 2 white box; STKL 1 box", tags="chat"),

o("""Hello,
I'm writing on behalf of Greenfield Primary School. We'd like twenty-five lanyards in black and the same number in teal, for the staff. Our address: 3 Mill Lane, Cambridge CB2 1RX, United Kingdom.
Many thanks,
Mrs Hannah Booth
School Business Manager""",
  "LANY 25 black; LANY 25 teal", n="Hannah Booth", c="Greenfield Primary School", addr="3 Mill Lane, CB2 1RX", city="Cambridge", country="United Kingdom", tags="email signature quantity_words"),

o("""Please send 1x 55" display, 1x 65" display and 2 arm mounts to Kungsgatan 12, 111 35 Stockholm, Sweden. We need it by 2026-12-11. Thanks, Linnea Berg at Vasa Robotics AB""",
  "D55 1; D65 1; ARM 2", n="Linnea Berg", c="Vasa Robotics AB", addr="Kungsgatan 12, 111 35", city="Stockholm", country="Sweden", date="2026-12-11"),

o("""i want to buy the pulseboard backpack black one. 1 piece. sending to São Paulo, Brazil, Rua Oscar Freire 900. obrigado, Felipe""",
  "BAG 1 black", n="Felipe", addr="Rua Oscar Freire 900", city="São Paulo", country="Brazil", tags="chat non_native"),

o("""We'll take 100 logo stickers, 50 tile icon sheets and 10 pens in black. Deliver by next Friday if possible. Nadia — Quartz Labs""",
  "STKL 100; STKT 50; PEN 10 black", n="Nadia", c="Quartz Labs", notes="deliver by next Friday if possible", tags="unresolved_date"),

o("""Hello, please I need 2 pcs HDMI 5m and 3 pcs HDMI 2m, also 2 adapter USB-C to HDMI. Warsaw, ul. Marszałkowska 84, 00-514, Poland. Piotr Nowak, Kompas IT""",
  "H5 2; H2 3; USBC 2", n="Piotr Nowak", c="Kompas IT", addr="ul. Marszałkowska 84, 00-514", city="Warsaw", country="Poland", tags="non_native"),

o("""Hi there, we're opening our Cape Town office and want some swag: 10 black hoodies (2 S, 4 M, 4 L), 10 black caps and a box of mugs in black. Unit 5, 101 Bree Street, Cape Town 8001, South Africa. Thabo Nkosi, Ubuntu Metrics""",
  "HOOD 2 black S; HOOD 4 black M; HOOD 4 black L; CAP 10 black; MUG 1 black box", n="Thabo Nkosi", c="Ubuntu Metrics", addr="Unit 5, 101 Bree Street, 8001", city="Cape Town", country="South Africa"),

o("""3 sticker boxes. Wait no, 3 packs, not boxes, sorry!""",
  "STKL 3 pack", tags="chat correction"),

o("""Subject: Re: Re: swag

Yes go ahead with 7 notebooks sand colour and 7 black pens.

> On Tue, Sofia wrote:
> Do you want the notebooks in sand or black?

Sofia Marques
Tidepool Studio, Porto""",
  "NOTE 7 sand; PEN 7 black", n="Sofia Marques", c="Tidepool Studio", city="Porto", tags="email signature noise"),

o("""Hi, we are a small team in Nairobi (Savanna Pay). We'd like 1 43-inch display and 1 fixed mount. Delivery to Westlands, Nairobi, Kenya. Wanjiru Kamau""",
  "D43 1; FIX 1", n="Wanjiru Kamau", c="Savanna Pay", addr="Westlands", city="Nairobi", country="Kenya"),

o("""Hello, ordering a gift: 1 tumbler (steel), 1 mug (teal) and 1 beanie (charcoal). Could you gift-wrap it? Ship to 15 Rue Neuve, 1000 Bruxelles, Belgium. Thanks, Lotte Peeters""",
  "TUMB 1 steel; MUG 1 teal; BEANIE 1 charcoal", n="Lotte Peeters", addr="15 Rue Neuve, 1000", city="Bruxelles", country="Belgium", notes="gift-wrap requested"),

o("""We require 6 units of the Pulseboard Kiosk Stick and six 2m HDMI cables. Ship to Marina Bay Financial Centre Tower 2, 10 Marina Blvd, Singapore 018983. Deadline: 2027-01-15. Regards, Lim Wei Jie, Straits Quant Pte Ltd""",
  "STICK 6; H2 6", n="Lim Wei Jie", c="Straits Quant Pte Ltd", addr="Marina Bay Financial Centre Tower 2, 10 Marina Blvd, 018983", city="Singapore", country="Singapore", date="2027-01-15", tags="email quantity_words"),

o("""Hi! 2 socks black M, 2 socks black L, 1 teal L. For me and my brothers lol""",
  "SOCKS 2 black M; SOCKS 2 black L; SOCKS 1 teal L", tags="chat"),

o("""Hello, I need the cleaning kits, like 24 of them, and a 2m hdmi. Thanks""",
  "CLEAN 24; H2 1", tags="chat"),

o("""Gentlemen, Please arrange delivery of: 1 (one) Mobile Floor Stand, 1 (one) 65-inch Wall Display. Deliver to Schwarzenbergplatz 3, 1010 Wien, Austria. Needed for our trade fair booth, set up on 2026-11-30. Mag. Stefan Huber, Alpenblick Consulting GmbH""",
  "STAND 1; D65 1", n="Stefan Huber", c="Alpenblick Consulting GmbH", addr="Schwarzenbergplatz 3, 1010", city="Wien", country="Austria", date="2026-11-30", tags="email"),

o("""quick one: 50 pens black, 50 teal. Aarhus office. Mikkel""",
  "PEN 50 black; PEN 50 teal", n="Mikkel", city="Aarhus", tags="chat"),

o("""Hi, is it possible to order 4 hoodies? navy, sizes M, M, L, XXL. Address: 1200 Peachtree St NE, Atlanta, GA 30309. Thanks a lot, Jordan Ellis""",
  "HOOD 2 navy M; HOOD 1 navy L; HOOD 1 navy XXL", n="Jordan Ellis", addr="1200 Peachtree St NE, GA 30309", city="Atlanta", tags="question"),

o("""Hello, this is Aiko from Sakura Data KK. Please send 2 black tumblers and 2 black caps to our Tokyo office: 2-1-1 Nihonbashi, Chuo-ku, Tokyo 103-0027, Japan.""",
  "TUMB 2 black; CAP 2 black", n="Aiko", c="Sakura Data KK", addr="2-1-1 Nihonbashi, Chuo-ku, 103-0027", city="Tokyo", country="Japan"),

o("""need tote bags. 30. natural. for a workshop on 3 december 2026. we are in Ghent""",
  "TOTE 30 natural", city="Ghent", date="2026-12-03", tags="chat"),

o("""Hi Pulseboard,
Can you please send our usual sticker order: 2 boxes of the logo stickers and 4 packs of tile sheets? Ship to Brightwater Analytics, 410 Front St W, Toronto, ON M5V 3A1.
Thank you!
Grace Liu""",
  "STKL 2 box; STKT 4 pack", n="Grace Liu", c="Brightwater Analytics", addr="410 Front St W, ON M5V 3A1", city="Toronto", tags="email"),

o("""Please add a second backpack (charcoal) to order, so it's 2 total, and change the desk mat to black. Thanks — Vikram""",
  "BAG 2 charcoal; DESKMAT 1 black", n="Vikram", notes="modifies an earlier order", tags="chat correction"),

o("""Hello. We are needing 8 tilt mounts and 8 displays 43 inch for our warehouses. Deliver to Av. Libertador 1500, Buenos Aires, Argentina. Before Christmas is important. Martín Gómez - LogiSur SA""",
  "TILT 8; D43 8", n="Martín Gómez", c="LogiSur SA", addr="Av. Libertador 1500", city="Buenos Aires", country="Argentina", notes="needed before Christmas", tags="non_native unresolved_date bulk"),

o("""hi can i order 1 t-shirt in white size small and 1 in black size medium""",
  "TEE 1 white S; TEE 1 black M", tags="chat"),
]
