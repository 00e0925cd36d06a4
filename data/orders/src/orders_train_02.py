from dsl import o

ORDERS = [
o("""Hi, do you sell umbrellas with the Pulseboard logo? If so, 10 please, and 10 black caps either way. Maya, Lumen Works""",
  "?umbrellas_with_the_Pulseboard_logo 10; CAP 10 black", n="Maya", c="Lumen Works", notes="umbrellas only if available", tags="chat question"),

o("""Please deliver 2 x 43" displays on 03/12/2026 to Hafenstraße 9, 20359 Hamburg, Germany. Klaus Richter""",
  "D43 2", n="Klaus Richter", addr="Hafenstraße 9, 20359", city="Hamburg", country="Germany", notes="date written as 03/12/2026 (ambiguous: 3 December or 12 March)", tags="ambiguous_date"),

o("""Hey, I'm organising a hackathon and I need hoodies!! black, 3 small, 8 medium, 8 large and 3 xl. Could also use a webcam for the stream if you sell those. Ship to 1 Infinite Loop Rd, Cork, Ireland. Cheers, Aoife Byrne""",
  "HOOD 3 black S; HOOD 8 black M; HOOD 8 black L; HOOD 3 black XL; ?webcam 1", n="Aoife Byrne", addr="1 Infinite Loop Rd", city="Cork", country="Ireland", notes="webcam only if sold", tags="chat"),

o("""ordr: 5 mugz black + 5 tumbers steel. to Lyon pls""",
  "MUG 5 black; TUMB 5 steel", city="Lyon", tags="chat typo"),

o("""Dear Store,
Could you send some notebooks to our new hire, Ana Lima, at Rua da Bahia 1148, Belo Horizonte, Brazil? Black, please.
Thanks,
Rodrigo Alves
People Team, Cerrado Systems""",
  "NOTE 1 black", n="Rodrigo Alves", c="Cerrado Systems", addr="Rua da Bahia 1148", city="Belo Horizonte", country="Brazil", notes="quantity not stated; deliver to the attention of Ana Lima", tags="email signature no_quantity recipient_differs"),

o("""We would like to place an order for 12 tilting mounts. Actually, our installer says 10 is enough. So 10 tilting mounts, delivered to Prague, Na Příkopě 15, 110 00, Czech Republic. Jan Dvořák, Bohemia Metrics s.r.o.""",
  "TILT 10", n="Jan Dvořák", c="Bohemia Metrics s.r.o.", addr="Na Příkopě 15, 110 00", city="Prague", country="Czechia", tags="correction"),

o("""Hi, please send 1 box of pens (teal) and 1 box of pens (black) to our HQ. Thanks - finance@""",
  "PEN 1 teal box; PEN 1 black box", tags="chat"),

o("""Good afternoon,

We are interested in two of your 32 inch displays and two floor stands, for our showroom in Athens (Ermou 55, 105 63, Greece). Can they be delivered before 20 December 2026?

Kind regards,
Eleni Papadopoulou
Aegean Retail S.A.

--
Sent from my phone""",
  "D32 2; STAND 2", n="Eleni Papadopoulou", c="Aegean Retail S.A.", addr="Ermou 55, 105 63", city="Athens", country="Greece", date="2026-12-20", tags="email signature noise quantity_words question"),

o("""need 1 hdmi 5 meter and 1 hdmi 2 meter for the meeting room. nothing else""",
  "H5 1; H2 1", tags="chat"),

o("""Hello, i am Oluwaseun from Lagos, Nigeria. My company Zenith Grid wants to buy 3 tee shirts white L and 2 tee shirts white XL, also 2 caps teal. Address: 14 Admiralty Way, Lekki Phase 1, Lagos. Please how long delivery takes?""",
  "TEE 3 white L; TEE 2 white XL; CAP 2 teal", n="Oluwaseun", c="Zenith Grid", addr="14 Admiralty Way, Lekki Phase 1", city="Lagos", country="Nigeria", tags="non_native question"),

o("""Two boxes of fifty stickers please. Pulseboard logo ones. —K""",
  "STKL 2 pack", notes="customer wrote 'boxes of fifty'; the catalog sells logo stickers in packs of 50", tags="chat quantity_words"),

o("""Please ship the following to Bay 4, 220 Lambton Quay, Wellington 6011:
3 desk mats black
3 desk mats grey
6 pens teal
Thanks, Hemi Walker""",
  "DESKMAT 3 black; DESKMAT 3 grey; PEN 6 teal", n="Hemi Walker", addr="Bay 4, 220 Lambton Quay, 6011", city="Wellington"),

o("""Could I order a hoodie in navy in size large and a beanie in orange? Thank you. My name is Louis Martin and I live at 8 Place Bellecour, 69002 Lyon.""",
  "HOOD 1 navy L; BEANIE 1 orange", n="Louis Martin", addr="8 Place Bellecour, 69002", city="Lyon"),

o("""Hi - ordering for the data team at Copperline Insurance. 14 tumblers, half black half steel. Deliver to 77 King St, Melbourne VIC 3000, Australia, by 2027-01-29. Thanks, Zoe Patel""",
  "TUMB 7 black; TUMB 7 steel", n="Zoe Patel", c="Copperline Insurance", addr="77 King St, VIC 3000", city="Melbourne", country="Australia", date="2027-01-29"),

o("""URGENT: display in our lobby broke. Need a replacement 55 inch + a new fixed mount today or tomorrow. Ship to Copenhagen, Vesterbrogade 20, 1620 København V, Denmark. - Frederik, Havn Analytics ApS""",
  "D55 1; FIX 1", n="Frederik", c="Havn Analytics ApS", addr="Vesterbrogade 20, 1620 København V", city="Copenhagen", country="Denmark", notes="urgent: wants delivery today or tomorrow", tags="chat unresolved_date"),

o("""Hello! 9 white mugs, 9 black, 9 teal — we like variety. Unit 2, 30 Dock Road, Galway, Ireland. Niamh""",
  "MUG 9 white; MUG 9 black; MUG 9 teal", n="Niamh", addr="Unit 2, 30 Dock Road", city="Galway", country="Ireland", tags="chat"),

o("""pls send 1 laptop backpack + 1 desk mat (black both) to me, Tomasz, Kraków""",
  "BAG 1 black; DESKMAT 1 black", n="Tomasz", city="Kraków", tags="chat"),

o("""Hi team, we're doing a customer roadshow in three cities. For now just one address: 500 Boylston St, Boston, MA 02116, United States. Please send 3 boxes of logo stickers, 2 packs of lanyards (black) and 60 teal t-shirts size L. Needed by the first week of January. Thanks, Rebecca Stone, Field Marketing, Lattice Health""",
  "STKL 3 box; LANY 2 black pack; TEE 60 teal L", n="Rebecca Stone", c="Lattice Health", addr="500 Boylston St, MA 02116", city="Boston", country="United States", notes="needed by the first week of January", tags="email unresolved_date bulk"),

o("""Hallo, wir brauchen 4 Kiosk Sticks and 4 HDMI 2m cables for our Munich office. Marienplatz 8, 80331 München. Danke, Lena Schmid""",
  "STICK 4; H2 4", n="Lena Schmid", addr="Marienplatz 8, 80331", city="München", tags="non_native"),

o("""Order #1 of 2 (the second will follow from my colleague): 1 articulating arm mount, 1 USB-C to HDMI adapter. Ship to Ruta 8 km 17, Montevideo, Uruguay. Valentina Silva""",
  "ARM 1; USBC 1", n="Valentina Silva", addr="Ruta 8 km 17", city="Montevideo", country="Uruguay", notes="first of two orders; a colleague sends the second"),

o("""Hi, I want to order socks. Teal, size M. Thank you""",
  "SOCKS 1 teal M", notes="quantity not stated", tags="chat no_quantity"),

o("""Dear Pulseboard Store, we at Maple & Finch would like forty pens, twenty notebooks in black, and ten tote bags in natural. Please deliver to 250 Rue Saint-Paul O, Montréal, QC H2Y 2A2, Canada. Regards, Chloé Tremblay""",
  "PEN 40; NOTE 20 black; TOTE 10 natural", n="Chloé Tremblay", c="Maple & Finch", addr="250 Rue Saint-Paul O, QC H2Y 2A2", city="Montréal", country="Canada", tags="email quantity_words"),

o("""Sorry, correction to what I sent 5 min ago: it should be 3 hoodies in M, not L. Everything else same. Hamid""",
  "HOOD 3 M", n="Hamid", notes="correction to an earlier message; other lines unchanged", tags="chat correction"),

o("""Hi, for the Zürich office please: 2 x 65 inch, 2 x floor stand, 2 x kiosk stick, 2 x 5m hdmi. Bahnhofstrasse 40, 8001 Zürich, Switzerland. We need it by 2027-01-05. Best, Nina Keller, Alpstein Capital AG""",
  "D65 2; STAND 2; STICK 2; H5 2", n="Nina Keller", c="Alpstein Capital AG", addr="Bahnhofstrasse 40, 8001", city="Zürich", country="Switzerland", date="2027-01-05"),

o("""Hey there. Can I get the hoodie in grey, medium? and also the grey desk mat. I'm in Edinburgh. Ross""",
  "HOOD 1 heather_grey M; DESKMAT 1 grey", n="Ross", city="Edinburgh", tags="chat question"),

o("""We want to order 1000 logo stickers for a conference. Also 500 pens. Company: Datapoint Events Ltd. Contact: Imogen Clarke. Delivery: ExCeL London, Royal Victoria Dock, 1 Western Gateway, London E16 1XL. Must arrive 2027-03-02 latest.""",
  "STKL 1000; PEN 500", n="Imogen Clarke", c="Datapoint Events Ltd.", addr="ExCeL London, Royal Victoria Dock, 1 Western Gateway, E16 1XL", city="London", date="2027-03-02", tags="bulk"),

o("""hello i would like buy 2 mug and 2 cap, mug color white and cap color black. i am in Hanoi, Vietnam. my name Nguyen Thi Mai""",
  "MUG 2 white; CAP 2 black", n="Nguyen Thi Mai", city="Hanoi", country="Vietnam", tags="chat non_native"),

o("""Hi Store — please cancel the beanies from yesterday's order and instead send 6 black socks, size L. Same address. Thanks, Ingrid (Fjellstad AS)""",
  "SOCKS 6 black L", n="Ingrid", c="Fjellstad AS", notes="beanies from the previous order cancelled; same address as before", tags="chat cancellation"),

o("""From: Raj Patel <raj@orbitfin.example>
To: store@pulseboard.example
Subject: displays for trading floor

Hi,
We'd like 6 x 55" wall displays and 6 x tilting mounts. Also 6 HDMI 5m. Delivery to Orbit Finance, 1 Canada Square, Canary Wharf, London E14 5AB, UK.
Our PO is OF-2026-1187.
Thanks
Raj""",
  "D55 6; TILT 6; H5 6", n="Raj Patel", c="Orbit Finance", addr="1 Canada Square, Canary Wharf, E14 5AB", city="London", country="United Kingdom", notes="PO OF-2026-1187", tags="email noise"),

o("""Can you send a sample of each mug color? One white, one black, one teal. To Rotterdam, Witte de Withstraat 50. Thanks!""",
  "MUG 1 white; MUG 1 black; MUG 1 teal", addr="Witte de Withstraat 50", city="Rotterdam", tags="chat quantity_words"),

o("""i need 2 beanies (charcoal), 2 beanies orange and also gloves if u have. Reykjavik, Iceland. Sigrún""",
  "BEANIE 2 charcoal; BEANIE 2 orange; ?gloves 1", n="Sigrún", city="Reykjavik", country="Iceland", notes="gloves only if available; quantity for gloves not stated", tags="chat no_quantity"),

o("""Hi, Pulseboard Store! Our partner agency, Studio Kiln, asked us to order for them: 4 tote bags black and 4 cleaning kits. Please send straight to them at 12 Brick Lane, London E1 6RF. Invoice us (Halberd Media). Regards, Oscar Lindqvist""",
  "TOTE 4 black; CLEAN 4", n="Oscar Lindqvist", c="Halberd Media", addr="12 Brick Lane, E1 6RF", city="London", notes="ship to partner agency Studio Kiln; invoice Halberd Media", tags="email recipient_differs"),

o("""pens. 3 packs. teal.""",
  "PEN 3 teal pack", tags="chat"),

o("""Hello, we need for our office in Bucharest: 2 displays 43 inch, 2 fixed mounts, 2 sticks. Strada Lipscani 25, Bucharest, Romania. Please send also the invoice with VAT number RO12345678. Andrei Popescu""",
  "D43 2; FIX 2; STICK 2", n="Andrei Popescu", addr="Strada Lipscani 25", city="Bucharest", country="Romania", notes="invoice must show VAT number RO12345678", tags="non_native"),

o("""Hi there,
Thanks for the quick reply yesterday. Let's go with the tilting mount after all (not the fixed one) — so 1 tilting mount and the 43" display.
Best,
Chris Adeyemi
Kestrel Analytics""",
  "TILT 1; D43 1", n="Chris Adeyemi", c="Kestrel Analytics", tags="email signature correction"),

o("""Ordering a few things for the Pulseboard meetup in Tallinn: 30 t-shirts black (10 M, 10 L, 10 XL), 1 box of logo stickers, 30 lanyards teal. Venue: Telliskivi 60a, 10412 Tallinn, Estonia. Event is 2027-02-18, so before that. Kristjan Tamm, Meetup organiser""",
  "TEE 10 black M; TEE 10 black L; TEE 10 black XL; STKL 1 box; LANY 30 teal", n="Kristjan Tamm", addr="Telliskivi 60a, 10412", city="Tallinn", country="Estonia", notes="event on 2027-02-18; deliver before that"),

o("""Can we get a quote + ship for 2 backpacks in charcoal and one set of wireless headphones? Thanks, Dana (Irvine, CA)""",
  "BAG 2 charcoal; ?wireless_headphones 1", n="Dana", city="Irvine", notes="asks for a quote", tags="chat question"),

o("""We'd like 5 of the 32 inch screens. Actually no — 4 of the 32" and 1 of the 43". Deliver to Mannerheimintie 14, 00100 Helsinki, Finland. Thanks, Aino Virtanen""",
  "D32 4; D43 1", n="Aino Virtanen", addr="Mannerheimintie 14, 00100", city="Helsinki", country="Finland", tags="correction"),

o("""hi, one hoodie XS black and one tee XS white please, for my daughter :) Sara""",
  "HOOD 1 black XS; TEE 1 white XS", n="Sara", tags="chat quantity_words"),

o("""Please send eleven notebooks (sand) to 9 Nelson Mandela Blvd, Accra, Ghana. Kwame Mensah, Gold Coast Dataworks""",
  "NOTE 11 sand", n="Kwame Mensah", c="Gold Coast Dataworks", addr="9 Nelson Mandela Blvd", city="Accra", country="Ghana", tags="quantity_words"),

o("""Good day. Kindly supply the following items to our Dubai branch: four (4) 65-inch wall displays and four (4) articulating arm mounts. Address: Office 1204, Boulevard Plaza Tower 1, Downtown Dubai, United Arab Emirates. Required by 10 January 2027. Regards, Fatima Al Mansouri, Procurement, Falcon Ridge Holdings""",
  "D65 4; ARM 4", n="Fatima Al Mansouri", c="Falcon Ridge Holdings", addr="Office 1204, Boulevard Plaza Tower 1, Downtown Dubai", city="Dubai", country="United Arab Emirates", date="2027-01-10", tags="email quantity_words"),

o("""Hey, 2 mugs teal, 2 mugs white. Deliver end of next week if poss. Ta""",
  "MUG 2 teal; MUG 2 white", notes="deliver end of next week if possible", tags="chat unresolved_date"),

o("""Hello, my boss asked me to order a lanyard pack (25) in teal and another one in black, plus a box of cleaning kits. We're Ridgeway Clinics, 45 Collins St, Hobart TAS 7000. Thanks, Mia""",
  "LANY 1 teal pack; LANY 1 black pack; CLEAN 1 box", n="Mia", c="Ridgeway Clinics", addr="45 Collins St, TAS 7000", city="Hobart"),

o("""We need 3 x 2m HDMI and a ceiling mount for a projector. Ljubljana, Slovenia. Thanks, Matej Kovač""",
  "H2 3; ?ceiling_mount_for_a_projector 1", n="Matej Kovač", city="Ljubljana", country="Slovenia"),

o("""can I get 2 pairs of socks, one black one teal, both M""",
  "SOCKS 1 black M; SOCKS 1 teal M", tags="chat"),

o("""Dear team, please prepare 20 hoodies navy (sizes to follow in a separate email), to be delivered to Karl Johans gate 5, 0154 Oslo, Norway by 2026-12-14. Regards, Henrik Solberg, Polarlys Energi""",
  "HOOD 20 navy", n="Henrik Solberg", c="Polarlys Energi", addr="Karl Johans gate 5, 0154", city="Oslo", country="Norway", date="2026-12-14", notes="sizes to follow in a separate email", tags="email"),

o("""I ordered 4 black caps but I meant teal. Please change all 4 to teal. Thanks, Yusuf""",
  "CAP 4 teal", n="Yusuf", notes="changes an earlier order", tags="chat correction"),

o("""Hello, please send five 2 m hdmi cable packs to our IT depot in Leeds. Tim Barker, Ashdown Housing""",
  "H2 5 pack", n="Tim Barker", c="Ashdown Housing", city="Leeds", tags="quantity_words"),

o("""Hola! Quisiera... sorry, English: I would like 3 white tees size M and 1 black cap. Send to Calle Larios 5, Málaga, Spain. Thank you! Javier""",
  "TEE 3 white M; CAP 1 black", n="Javier", addr="Calle Larios 5", city="Málaga", country="Spain", tags="chat non_native"),
]
