from dsl import o

ORDERS = [
o("""Hi, please send a hundred pens (black) and fifteen notebooks (sand) to Greystone Legal, 40 St Andrew Square, Edinburgh EH2 2AD. Thank you, Alasdair Reid""",
  "PEN 100 black; NOTE 15 sand", n="Alasdair Reid", c="Greystone Legal", addr="40 St Andrew Square, EH2 2AD", city="Edinburgh", tags="quantity_words"),

o("""Need delivery on 05/06/2027 to our Valencia office: 3 caps teal. Marc""",
  "CAP 3 teal", n="Marc", city="Valencia", notes="date written as 05/06/2027 (ambiguous: 5 June or 6 May)", tags="chat ambiguous_date"),

o("""Dear Pulseboard Store

Our charity, Open Shelf Foundation, runs a reading room with a Pulseboard screen showing visitor numbers. We'd be grateful if you could send one 32-inch wall display and a fixed wall mount. Our address is 18 Canal Street, Nottingham NG1 7EH, England.

If there is any discount for charities, please let us know.

Warm wishes,
Beatrice Holloway
Volunteer Coordinator""",
  "D32 1; FIX 1", n="Beatrice Holloway", c="Open Shelf Foundation", addr="18 Canal Street, NG1 7EH", city="Nottingham", country="United Kingdom", notes="asks about a charity discount", tags="email signature question"),

o("""2 tumblers black 2 tumblers steel 1 mug teal thx""",
  "TUMB 2 black; TUMB 2 steel; MUG 1 teal", tags="chat"),

o("""Hi, we want our displays wall mounted on articulating arms. 5 arm mounts please, and 5 HDMI cables (the long ones). Send to Seoul, 152 Teheran-ro, Gangnam-gu, South Korea. Kim Ji-woo, Hanbit Cloud""",
  "ARM 5; H5 5", n="Kim Ji-woo", c="Hanbit Cloud", addr="152 Teheran-ro, Gangnam-gu", city="Seoul", country="South Korea"),

o("""I need one teal t-shirt size XXL and one black size XXL. Can I pick them up at your Toronto office instead of shipping? Noah""",
  "TEE 1 teal XXL; TEE 1 black XXL", n="Noah", notes="asks to pick up at the Toronto office instead of shipping", tags="chat question"),

o("""Hello, I'd like to place an order with you. 6 x Pulseboard Hoodie, colour navy, size M. 6 x Pulseboard Beanie, charcoal. Delivery address: Calle Serrano 41, 28001 Madrid. Please send invoice to facturas@lumbre.example. Thanks, Álvaro Ortega, Lumbre Energía""",
  "HOOD 6 navy M; BEANIE 6 charcoal", n="Álvaro Ortega", c="Lumbre Energía", addr="Calle Serrano 41, 28001", city="Madrid", notes="send invoice to facturas@lumbre.example", tags="email"),

o("""hi quick q — can u send 4 desk mats (2 grey 2 black) to Brooklyn? 45 Main St. -tess""",
  "DESKMAT 2 grey; DESKMAT 2 black", n="tess", addr="45 Main St", city="Brooklyn", tags="chat question"),

o("""For our Kraków and Gdańsk offices we need displays, but please ship everything to Kraków (ul. Lubicz 23, 31-503 Kraków, Poland): 4 x 43", 4 x tilting mount. Agnieszka Zielińska, Wisła Soft""",
  "D43 4; TILT 4", n="Agnieszka Zielińska", c="Wisła Soft", addr="ul. Lubicz 23, 31-503", city="Kraków", country="Poland", notes="for the Kraków and Gdańsk offices"),

o("""Please, I want to buy sticker logo 500 pieces. Is it one box? Then one box. Send to Shenzhen? If you don't ship to China tell me. Chen Hao""",
  "STKL 1 box", n="Chen Hao", city="Shenzhen", notes="asks whether the store ships to China", tags="non_native question"),

o("""Morning! For the office kitchen: two boxes of white mugs. Oh, and make one of the boxes black instead. Cheers, Paul at Fenwick Accountancy, 2 Quayside, Newcastle NE1 3DX""",
  "MUG 1 white box; MUG 1 black box", n="Paul", c="Fenwick Accountancy", addr="2 Quayside, NE1 3DX", city="Newcastle", tags="chat correction quantity_words"),

o("""I'd like to order the Pulseboard Kiosk Stick (x1). Address: 1450 Rue Sherbrooke O, Montréal. Thanks, Étienne""",
  "STICK 1", n="Étienne", addr="1450 Rue Sherbrooke O", city="Montréal"),

o("""Hello, our procurement system generated this order:
ITEM PB-TEE QTY 12 COLOR BLACK SIZE L
ITEM PB-TEE QTY 12 COLOR BLACK SIZE XL
ITEM PB-PEN QTY 2 UNIT BOX
SHIP TO: KNOX MINING PTY LTD, 200 ST GEORGES TCE, PERTH WA 6000, AUSTRALIA
REQ DATE: 2027-02-01
CONTACT: BRIAN KNOX""",
  "TEE 12 black L; TEE 12 black XL; PEN 2 box", n="BRIAN KNOX", c="KNOX MINING PTY LTD", addr="200 ST GEORGES TCE, WA 6000", city="PERTH", country="Australia", date="2027-02-01"),

o("""Could you please send 3 t-shirts teal size S to my home? Elif, Istanbul""",
  "TEE 3 teal S", n="Elif", city="Istanbul", tags="chat question"),

o("""Hi, this is Marco from Trattoria Numeri. We saw the mugs at a conference, want 18 black ones (3 boxes). Via dei Mille 12, Napoli, Italy. Also do you have espresso cups? If yes, 12.""",
  "MUG 3 black box; ?espresso_cups 12", n="Marco", c="Trattoria Numeri", addr="Via dei Mille 12", city="Napoli", country="Italy", notes="espresso cups only if available", tags="chat question"),

o("""pls ship 6 lanyards black to Dallas""",
  "LANY 6 black", city="Dallas", tags="chat"),

o("""Hello Pulseboard Store team,

I would like to order a complete kiosk kit for our hotel lobby in Reykjavík: one 55" display, one mobile floor stand, one kiosk stick and one 2 m HDMI cable. Hotel Norðurljós, Laugavegur 85, 101 Reykjavík, Iceland.

The lobby reopens on 9 February 2027, so delivery before then would be ideal.

Thank you,
Guðrún Jónsdóttir
General Manager""",
  "D55 1; STAND 1; STICK 1; H2 1", n="Guðrún Jónsdóttir", c="Hotel Norðurljós", addr="Laugavegur 85, 101", city="Reykjavík", country="Iceland", notes="lobby reopens on 2027-02-09; delivery before then would be ideal", tags="email signature"),

o("""We need 20 hoodies for the team retreat. 10 in navy and 10 in heather grey. Sizes for navy: 4 M, 6 L; grey: 5 S, 5 M. Send to 10 Rue de Rivoli, Paris. Delphine""",
  "HOOD 4 navy M; HOOD 6 navy L; HOOD 5 heather_grey S; HOOD 5 heather_grey M", n="Delphine", addr="10 Rue de Rivoli", city="Paris"),

o("""Can I have the teal beanie please? just one""",
  "BEANIE 1", notes="asked for teal, which is not a catalog color for the beanie", tags="chat question"),

o("""Dear team, I'm re-sending this because I got no confirmation. We ordered 2 x 65" displays and 2 x arm mounts on the 3rd. Please confirm and ship to 15 Ben Yehuda St, Tel Aviv, Israel. Noa Levi, Carmel Metrics""",
  "D65 2; ARM 2", n="Noa Levi", c="Carmel Metrics", addr="15 Ben Yehuda St", city="Tel Aviv", country="Israel", notes="re-sent order; no confirmation received for the original", tags="email"),

o("""hello we r startup in Jakarta, want 10 t-shirt black size M and 10 t-shirt black size L. how much shipping to Indonesia? address Jl. Sudirman Kav 52, Jakarta. Budi""",
  "TEE 10 black M; TEE 10 black L", n="Budi", addr="Jl. Sudirman Kav 52", city="Jakarta", country="Indonesia", notes="asks about shipping cost", tags="chat non_native question"),

o("""2 packs of notebooks in black, 2 packs in sand""",
  "NOTE 2 black pack; NOTE 2 sand pack", tags="chat"),

o("""Hi! Can you send a 43 inch display to our Valletta office? 25 Republic Street, Valletta, Malta. We'll mount it ourselves, no mount needed. Thanks - Luca Borg, Azure Isle Gaming""",
  "D43 1", n="Luca Borg", c="Azure Isle Gaming", addr="25 Republic Street", city="Valletta", country="Malta", tags="chat question"),

o("""Order for ACME Retail Group please: 25 tote bags (natural) and 25 tote bags (black) — hmm, let's say 30 natural and 20 black. Ship to 1 Retail Park Way, Milton Keynes MK9 2NW. Laura Bennett""",
  "TOTE 30 natural; TOTE 20 black", n="Laura Bennett", c="ACME Retail Group", addr="1 Retail Park Way, MK9 2NW", city="Milton Keynes", tags="correction"),

o("""Hello, can we order 4 socks M teal, 4 socks L teal, and 4 socks M black? Thank you, Haruto, Osaka""",
  "SOCKS 4 teal M; SOCKS 4 teal L; SOCKS 4 black M", n="Haruto", city="Osaka", tags="question"),

o("""Please deliver tomorrow morning if possible: one HDMI 5m. Office 3B, 1 Grand Canal Square, Dublin. Thanks, Conor""",
  "H5 1", n="Conor", addr="Office 3B, 1 Grand Canal Square", city="Dublin", notes="wants delivery tomorrow morning if possible", tags="unresolved_date"),

o("""Good morning. We are a hospital in Aarhus. We order: 6 x Wall Display 32-inch, 6 x Fixed Wall Mount, 6 x Pulseboard Kiosk Stick. Deliver to Palle Juul-Jensens Boulevard 99, 8200 Aarhus N, Denmark. Order number AUH-7731. Best regards, Mette Sørensen, Region Midt IT""",
  "D32 6; FIX 6; STICK 6", n="Mette Sørensen", c="Region Midt IT", addr="Palle Juul-Jensens Boulevard 99, 8200 Aarhus N", city="Aarhus", country="Denmark", notes="order number AUH-7731", tags="email"),

o("""I want hoodie. Black. Size small. Thank you very much.""",
  "HOOD 1 black S", tags="chat non_native"),

o("""Hey - please change my order: the 2 tumblers should be 1 tumbler and 1 mug (both black). - Ana""",
  "TUMB 1 black; MUG 1 black", n="Ana", notes="changes an earlier order", tags="chat correction"),

o("""Hi there, I'm the office manager at Tessellate Architects. We need five of the 2 m HDMI cables and a new projector screen. Please send to 80 Strand, London WC2R 0RL, United Kingdom. Thanks very much, Harriet Cole""",
  "H2 5; ?projector_screen 1", n="Harriet Cole", c="Tessellate Architects", addr="80 Strand, WC2R 0RL", city="London", country="United Kingdom", tags="email quantity_words"),

o("""can i order 2 caps, 1 black 1 sand, ship to 5 Oak Ave, Denver CO 80202 by Dec 1st 2026""",
  "CAP 1 black; CAP 1 sand", addr="5 Oak Ave, CO 80202", city="Denver", date="2026-12-01", tags="chat"),

o("""We would like order: 3 pack sticker sheets, 3 pack logo sticker. For school project. Escola Básica da Luz, Estrada da Luz 90, Lisboa. Professora Helena Santos""",
  "STKT 3 pack; STKL 3 pack", n="Helena Santos", c="Escola Básica da Luz", addr="Estrada da Luz 90", city="Lisboa", tags="non_native"),

o("""Hello Pulseboard Store,
we are renovating our NOC and need the following by 2027-01-11:
eight 55-inch displays,
eight tilting wall mounts,
two kiosk sticks (the rest run from our own PCs),
eight 2 m HDMI cables.
Ship to: Sentinel Grid Ltd, Building 7, Aztec West, Bristol BS32 4TD, UK.
PO number SG-PO-88120. Contact on delivery: Mark Powell, 07700 900123.
Regards,
Naomi Fisher, IT Procurement""",
  "D55 8; TILT 8; STICK 2; H2 8", n="Naomi Fisher", c="Sentinel Grid Ltd", addr="Building 7, Aztec West, BS32 4TD", city="Bristol", country="United Kingdom", date="2027-01-11", notes="PO SG-PO-88120; delivery contact Mark Powell, 07700 900123", tags="email signature quantity_words bulk"),

o("""need asap 1 usb c adapter""",
  "USBC 1", notes="asap", tags="chat unresolved_date"),

o("""Hi. My colleague ordered 12 notebooks by mistake, we need only 6. And add 6 black pens please. Thanks, Sven, Gothenburg""",
  "NOTE 6; PEN 6 black", n="Sven", city="Gothenburg", notes="corrects a colleague's earlier order", tags="chat correction"),

o("""Hola, I need 5 mugs teal for my team in Barcelona, Carrer de Mallorca 401. Gràcies! Núria""",
  "MUG 5 teal", n="Núria", addr="Carrer de Mallorca 401", city="Barcelona", tags="chat"),

o("""Dear Sales, Please ship 10 Laptop Backpacks (black) to our Frankfurt office, Mainzer Landstraße 50, 60325 Frankfurt am Main, Germany. We need them by 18.01.2027 for new joiners. With kind regards, Dr. Ulrich Brandt, Rheinwerk Consulting AG""",
  "BAG 10 black", n="Ulrich Brandt", c="Rheinwerk Consulting AG", addr="Mainzer Landstraße 50, 60325", city="Frankfurt am Main", country="Germany", date="2027-01-18", tags="email"),

o("""hi, 3 XL tees white, 3 L tees white, for Cape Town team 🙏 thx Lindiwe""",
  "TEE 3 white XL; TEE 3 white L", n="Lindiwe", city="Cape Town", tags="chat"),

o("""Hello! We want 4 displays for our four stores in Lisbon. 32 inch. Plus fixed mounts for each. We can receive at our main store: Rua Garrett 50, Lisboa, Portugal. Cheers, João Pinto, Chiado Books""",
  "D32 4; FIX 4", n="João Pinto", c="Chiado Books", addr="Rua Garrett 50", city="Lisboa", country="Portugal", notes="for four stores; all delivered to the main store"),

o("""Sorry, typo in my last message: I wrote 50 hoodies, I meant 5. Five hoodies, black, L. Thanks, Greta""",
  "HOOD 5 black L", n="Greta", notes="corrects an earlier message", tags="chat correction quantity_words"),

o("""Please send to: Dr. Amara Okonkwo, Lagos Business School, Ajah, Lagos, Nigeria. Items: 20 notebooks black, 20 pens black, 20 lanyards black.""",
  "NOTE 20 black; PEN 20 black; LANY 20 black", n="Amara Okonkwo", c="Lagos Business School", addr="Ajah", city="Lagos", country="Nigeria"),

o("""two hoodies, one navy one black, both L. one beanie orange. that's it""",
  "HOOD 1 navy L; HOOD 1 black L; BEANIE 1 orange", tags="chat quantity_words"),

o("""Hi, we're moving offices on 2026-12-07. Please deliver the following to the NEW address, Plaza Mayor 3, Salamanca: 2 x 43" displays and 2 x floor stands. Thanks, Pilar, Dehesa Analytics""",
  "D43 2; STAND 2", n="Pilar", c="Dehesa Analytics", addr="Plaza Mayor 3", city="Salamanca", notes="office move on 2026-12-07; deliver to the new address"),

o("""Please could you send 1 x Articulating Arm Mount and 1 x Tilting Wall Mount to 9 Castle St, Cardiff CF10 1BS? Our display is 43". Rhys Evans""",
  "ARM 1; TILT 1", n="Rhys Evans", addr="9 Castle St, CF10 1BS", city="Cardiff", tags="question"),

o("""Hi Pulseboard! Our support team wants matching socks lol. 8 pairs teal M, 4 pairs teal L. Ship to Lakeside Support, 700 W Pender St, Vancouver BC. Thanks, Harpreet""",
  "SOCKS 8 teal M; SOCKS 4 teal L", n="Harpreet", c="Lakeside Support", addr="700 W Pender St, BC", city="Vancouver", tags="chat"),

o("""I need 2 screen cleaning kits and a keyboard cleaning brush. Ottawa. Thanks""",
  "CLEAN 2; ?keyboard_cleaning_brush 1", city="Ottawa", tags="chat"),

o("""Kindly deliver to Ayala Avenue 6750, Makati City, Philippines: ten (10) caps black, ten (10) tees black size M. Thank you po. Maria Santos, Bayanihan BPO""",
  "CAP 10 black; TEE 10 black M", n="Maria Santos", c="Bayanihan BPO", addr="Ayala Avenue 6750", city="Makati City", country="Philippines", tags="non_native quantity_words"),

o("""hey - 1 hoodie heather grey L and 1 tumbler steel. gift for my boss so nice packaging pls. Deliver by 2026-12-21 to 12 Rose Lane, Norwich""",
  "HOOD 1 heather_grey L; TUMB 1 steel", addr="12 Rose Lane", city="Norwich", date="2026-12-21", notes="gift packaging requested", tags="chat"),

o("""Order: 60 tile icons sticker sheets. No, make it 6 packs of ten instead, same thing I guess. Ship to Kunsthalle Data Lab, Leipzig. Moritz""",
  "STKT 6 pack", n="Moritz", c="Kunsthalle Data Lab", city="Leipzig", tags="correction"),

o("""Hello,
I'm from the IT department at Clearwater County Council. We need four 43-inch displays for our emergency operations room, with fixed mounts. Delivery to County Hall, 1 Civic Way, Clearwater, FL 33756, USA.
Regards
Patricia Gomez""",
  "D43 4; FIX 4", n="Patricia Gomez", c="Clearwater County Council", addr="County Hall, 1 Civic Way, FL 33756", city="Clearwater", country="United States", tags="email signature quantity_words"),

o("""tote bag x2 natural. mug x1 white. Lisbon, Rua do Carmo 7""",
  "TOTE 2 natural; MUG 1 white", addr="Rua do Carmo 7", city="Lisbon", tags="chat"),
]
