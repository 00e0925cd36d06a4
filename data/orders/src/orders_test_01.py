from dsl import o

# Test split (orders_test_*.py). Situations and phrasings here are deliberately absent from train:
# dozens/couples, forwarded threads, bulleted or tabular lists, voice transcripts,
# several corrections in one message, whole messages in another language,
# split deliveries, dates written out with ordinal words.

ORDERS = [
o("""Hi, could you send a dozen white mugs and half a dozen teal ones to our studio? 5 Bedford Row, London WC1R 4BU. Thanks, Penelope Ashford, Marlow & Quince""",
  "MUG 12 white; MUG 6 teal", n="Penelope Ashford", c="Marlow & Quince", addr="5 Bedford Row, WC1R 4BU", city="London", tags="dozen_words"),

o("""---------- Forwarded message ---------
From: Lena Hoffmann <lena@sternwarte.example>
Date: Mon, 23 Nov 2026
Subject: merch

Hi Felix, can you order 4 black hoodies (L) for the support team? Ship to Sternwarte Software, Prinzregentenstraße 60, 81675 München, Germany.
Thanks, Lena

Please process the order below. -- Felix""",
  "HOOD 4 black L", n="Lena Hoffmann", c="Sternwarte Software", addr="Prinzregentenstraße 60, 81675", city="München", country="Germany", tags="forwarded_thread email"),

o("""Order for Coral Reef Diving Co:
- 10 x t-shirt teal, M
- 10 x t-shirt teal, L
- 5 x cap sand
Ship to: 22 Esplanade, Cairns QLD 4870, Australia
Mick Donovan""",
  "TEE 10 teal M; TEE 10 teal L; CAP 5 sand", n="Mick Donovan", c="Coral Reef Diving Co", addr="22 Esplanade, QLD 4870", city="Cairns", country="Australia", tags="bullet_list"),

o("""[voicemail transcript] hi um this is uh Gordon from Tallis Print in Leeds, we'd like to order, uh, three of the big displays, the sixty-five inch ones, and um three floor stands, yeah, stands not mounts. Address is 14 Wellington Street Leeds. Call me back if there's any problem, thanks, bye""",
  "D65 3; STAND 3", n="Gordon", c="Tallis Print", addr="14 Wellington Street", city="Leeds", tags="voice_transcript quantity_words"),

o("""Hi! 5 tumblers black. No, 6. Hmm, actually let's do 4 black and 2 steel. Final answer :) Deliver to 8 Lygon St, Carlton VIC 3053. Mel""",
  "TUMB 4 black; TUMB 2 steel", n="Mel", addr="8 Lygon St, VIC 3053", city="Carlton", tags="multi_correction chat"),

o("""Olá! Gostaríamos de encomendar 3 mochilas para portátil em preto e 3 tapetes de secretária cinzentos. Morada: Rua de Cedofeita 200, 4050-174 Porto, Portugal. Obrigado, Duarte Lopes, Farol Analytics""",
  "BAG 3 black; DESKMAT 3 grey", n="Duarte Lopes", c="Farol Analytics", addr="Rua de Cedofeita 200, 4050-174", city="Porto", country="Portugal", tags="foreign_language"),

o("""Hi, we need 2 x 43" displays with fixed mounts. One set goes to our Bratislava office (Obchodná 5, Bratislava, Slovakia) and the other to Košice (Hlavná 20). Thanks, Martin Horváth, Tatra Data""",
  "D43 2; FIX 2", n="Martin Horváth", c="Tatra Data", addr="Obchodná 5", city="Bratislava", country="Slovakia", notes="split delivery: one display and one mount to Hlavná 20, Košice", tags="split_delivery"),

o("""Please deliver on the third of February 2027: one 55-inch display and one tilting wall mount. Address: Sveavägen 44, 111 34 Stockholm, Sweden. Regards, Elsa Lund, Lund & Lind Revision""",
  "D55 1; TILT 1", n="Elsa Lund", c="Lund & Lind Revision", addr="Sveavägen 44, 111 34", city="Stockholm", country="Sweden", date="2027-02-03", tags="ordinal_date"),

o("""Could I grab a couple of teal caps and a couple of beanies in orange? Thx, Ollie (Whitby)""",
  "CAP 2 teal; BEANIE 2 orange", n="Ollie", city="Whitby", tags="dozen_words chat"),

o("""Hello, I'm not happy that my last mug arrived chipped 😞 but I still love the brand, so let's try again: 2 black mugs please, well packed this time. Same address in Aarhus. Signe""",
  "MUG 2 black", n="Signe", city="Aarhus", notes="previous mug arrived chipped; pack carefully; same address as before"),

o("""| item | colour | size | qty |
|---|---|---|---|
| hoodie | navy | M | 3 |
| hoodie | navy | XL | 1 |
| tee | white | M | 4 |
Ship to Lindqvist Bygg AB, Drottninggatan 12, Uppsala. /Per""",
  "HOOD 3 navy M; HOOD 1 navy XL; TEE 4 white M", n="Per", c="Lindqvist Bygg AB", addr="Drottninggatan 12", city="Uppsala", tags="bullet_list"),

o("""Guten Tag, wir möchten zwei 43-Zoll-Displays und zwei Neigungs-Wandhalterungen bestellen. Lieferadresse: Königsallee 30, 40212 Düsseldorf, Deutschland. Bitte bis zum 14.12.2026 liefern. Mit freundlichen Grüßen, Sabine Krüger, Rheinblick Versicherung AG""",
  "D43 2; TILT 2", n="Sabine Krüger", c="Rheinblick Versicherung AG", addr="Königsallee 30, 40212", city="Düsseldorf", country="Germany", date="2026-12-14", tags="foreign_language"),

o("""hey so the order: 10 pens black. wait, teal. no, half teal half black. and make it 20 total. sorry lol. Tomas, Vilnius""",
  "PEN 10 teal; PEN 10 black", n="Tomas", city="Vilnius", tags="multi_correction chat"),

o("""Hiya, one per person please: we're 14 on the team, and everyone wants a hoodie (black) — sizes: 4 S, 6 M, 4 L. Plus a beanie each (charcoal). Ship to Kelpie Games, 3 Brunswick St, Fitzroy VIC 3065, Australia. Need them before the fourteenth of December 2026. Bec""",
  "HOOD 4 black S; HOOD 6 black M; HOOD 4 black L; BEANIE 14 charcoal", n="Bec", c="Kelpie Games", addr="3 Brunswick St, VIC 3065", city="Fitzroy", country="Australia", date="2026-12-14", tags="ordinal_date"),

o("""RE: FW: display for reception

Finance approved it 🎉 so please go ahead: 1 x 32" display + 1 x fixed mount + 1 x kiosk stick.

> From: Hamza Qureshi
> Sent: Thursday
> Can we get a small display for reception?

Ship to Qureshi & Partners, 100 Bishopsgate, London EC2N 4AG.
Hamza""",
  "D32 1; FIX 1; STICK 1", n="Hamza Qureshi", c="Qureshi & Partners", addr="100 Bishopsgate, EC2N 4AG", city="London", tags="forwarded_thread email"),

o("""We'd like to order stuff for 3 offices: two mugs per office (white), and one 2 m HDMI cable per office. Ship everything to the Lisbon HQ, Avenida Fontes Pereira de Melo 35. Sílvia""",
  "MUG 6 white; H2 3", n="Sílvia", addr="Avenida Fontes Pereira de Melo 35", city="Lisbon", notes="for three offices; all shipped to the Lisbon HQ"),

o("""Buongiorno, vorremmo ordinare 20 penne nere e 20 quaderni color sabbia. Indirizzo: Corso Vittorio Emanuele II 18, 10123 Torino, Italia. Grazie mille, Francesca Bruno, Sabauda Dati""",
  "PEN 20 black; NOTE 20 sand", n="Francesca Bruno", c="Sabauda Dati", addr="Corso Vittorio Emanuele II 18, 10123", city="Torino", country="Italy", tags="foreign_language"),

o("""So yeah basically what we need is, uh, a pair of the arm mounts and uh two of the five metre cables, that's it. It's for Delmont Labs, um, Halifax. Name's Colin.""",
  "ARM 2; H5 2", n="Colin", c="Delmont Labs", city="Halifax", tags="voice_transcript dozen_words"),

o("""Evening all. Please split this one: 6 tees (black, M) to our Cork office at 4 South Mall, and 6 tees (black, L) to our Limerick office at 9 O'Connell St. Both Ireland. Thanks, Siobhán Murphy, Shannon Metrics""",
  "TEE 6 black M; TEE 6 black L", n="Siobhán Murphy", c="Shannon Metrics", addr="4 South Mall", city="Cork", country="Ireland", notes="split delivery: the 6 L tees go to 9 O'Connell St, Limerick", tags="split_delivery"),

o("""My order:
* Pulseboard Kiosk Stick - 2
* USB-C to HDMI Adapter - 2
* HDMI 2m - 2
Address: 1 Raffles Place, #20-01, Singapore 048616
By 2027-01-04 please. Thanks, Arjun Pillai""",
  "STICK 2; USBC 2; H2 2", n="Arjun Pillai", addr="1 Raffles Place, #20-01, 048616", city="Singapore", country="Singapore", date="2027-01-04", tags="bullet_list"),

o("""Hola, quisiéramos pedir 2 gorras negras y 2 gorras verde azulado (teal). Enviar a Calle Florida 550, Buenos Aires, Argentina. Saludos, Tomás Herrera""",
  "CAP 2 black; CAP 2 teal", n="Tomás Herrera", addr="Calle Florida 550", city="Buenos Aires", country="Argentina", tags="foreign_language"),

o("""Hi, I'd like 3 sticker packs — sorry, 3 boxes — no wait, my manager says 1 box and 3 packs. Ship to Kinetic Sports, 9 Rue du Marché, Lausanne. Léon""",
  "STKL 1 box; STKL 3 pack", n="Léon", c="Kinetic Sports", addr="9 Rue du Marché", city="Lausanne", tags="multi_correction"),

o("""Hello Pulseboard, our order number 7 for the year 😅 — a dozen pens in teal, a dozen in black. That's all. Yours, Hilde, Ghent""",
  "PEN 12 teal; PEN 12 black", n="Hilde", city="Ghent", tags="dozen_words"),

o("""Dear team, please ship one laptop backpack (charcoal) to me. My address is 3F, No. 100, Section 1, Xinyi Rd, Taipei, Taiwan. Deadline the twentieth of December 2026 because it's a Christmas present. Chen Yu-ting""",
  "BAG 1 charcoal", n="Chen Yu-ting", addr="3F, No. 100, Section 1, Xinyi Rd", city="Taipei", country="Taiwan", date="2026-12-20", notes="Christmas present", tags="ordinal_date"),

o("""Good morning, we were charged for 3 hoodies but only ordered 2 — please fix that. Separately, new order: 2 tumblers (steel) to Flat 2, 40 Princes St, Edinburgh. Thanks, Iain""",
  "TUMB 2 steel", n="Iain", addr="Flat 2, 40 Princes St", city="Edinburgh", notes="also reports being charged for 3 hoodies instead of 2 on an earlier order"),

o("""Begin forwarded message:

From: Mariana Duarte
Subject: pedido

Hi store, we want 2 boxes of teal mugs and 2 packs of logo stickers for Duarte & Filhos, Rua das Flores 55, Porto.
Mariana

---
Fwd by Pedro (assistant): please treat this as the order.""",
  "MUG 2 teal box; STKL 2 pack", n="Mariana Duarte", c="Duarte & Filhos", addr="Rua das Flores 55", city="Porto", tags="forwarded_thread email"),

o("""Hallo! Wij willen graag 4 canvas tassen (naturel) en 4 zwarte mokken bestellen. Adres: Oudegracht 150, 3511 AZ Utrecht, Nederland. Groetjes, Eva Jansen, Domtoren Data""",
  "TOTE 4 natural; MUG 4 black", n="Eva Jansen", c="Domtoren Data", addr="Oudegracht 150, 3511 AZ", city="Utrecht", country="Netherlands", tags="foreign_language"),

o("""Transcript of call, 25 Nov: Customer (Ms Rosa Lind, Vinterhav AB) wants 2 displays, the 43 inch ones, with tilting mounts. Delivery to Storgatan 5, Malmö. She asked us to call before delivery.""",
  "D43 2; TILT 2", n="Rosa Lind", c="Vinterhav AB", addr="Storgatan 5", city="Malmö", notes="call before delivery", tags="voice_transcript"),

o("""Hi, couple of things: a 5 m HDMI and a couple of cleaning kits. Deliver to Lake Road 12, Hamilton, New Zealand. Thanks, Ana Taufa""",
  "H5 1; CLEAN 2", n="Ana Taufa", addr="Lake Road 12", city="Hamilton", country="New Zealand", tags="dozen_words"),

o("""Initial order was 10 hoodies navy M. Then we changed to 8. Then someone joined, so 9. And one of them wants XL instead of M. So: 8 navy M + 1 navy XL. Ship to Corvina Labs, Via Mazzini 4, Verona. — Elisa""",
  "HOOD 8 navy M; HOOD 1 navy XL", n="Elisa", c="Corvina Labs", addr="Via Mazzini 4", city="Verona", tags="multi_correction"),

o("""Bonjour, nous aimerions commander trois présentoirs mobiles (floor stand) et trois écrans de 55 pouces. Adresse : 40 avenue des Champs-Élysées, 75008 Paris, France. Livraison souhaitée avant le 18 janvier 2027. Cordialement, Mathilde Garnier, Étoile Conseil""",
  "STAND 3; D55 3", n="Mathilde Garnier", c="Étoile Conseil", addr="40 avenue des Champs-Élysées, 75008", city="Paris", country="France", date="2027-01-18", tags="foreign_language"),

o("""Hi there — I just need a single cleaning kit. And maybe a mug? Yes, a mug, white. Thanks. Ewa, Gdańsk""",
  "CLEAN 1; MUG 1 white", n="Ewa", city="Gdańsk", tags="chat"),

o("""Hi,
here's the list from our office manager:
• Desk Mat black ×5
• Desk Mat grey ×5
• Notebook A5 black ×10
Ship to Kalvebod Analytics, H.C. Andersens Boulevard 2, 1553 København, Denmark.
Best, Jonas Holm""",
  "DESKMAT 5 black; DESKMAT 5 grey; NOTE 10 black", n="Jonas Holm", c="Kalvebod Analytics", addr="H.C. Andersens Boulevard 2, 1553", city="København", country="Denmark", tags="bullet_list"),

o("""We would like a Pulseboard Mug for every attendee of our workshop. There are 24 attendees. So four boxes. Black. Deliver to Technopolis, Plaza 1, Gent. Wout Claes""",
  "MUG 4 black box", n="Wout Claes", c="Technopolis", addr="Plaza 1", city="Gent"),

o("""Hi, me again (Priyanka). Please change the mugs from black to teal, change the quantity from 6 to 8, and change the address to our new office: 12 Residency Road, Bengaluru 560025. Thanks!""",
  "MUG 8 teal", n="Priyanka", addr="12 Residency Road, 560025", city="Bengaluru", notes="changes an earlier order", tags="multi_correction chat"),

o("""Need: 1 65" + 1 arm mount to Dubai office, 1 65" + 1 arm mount to Abu Dhabi office. Dubai address: Al Wasl Rd 300. Abu Dhabi address: Corniche Rd 12. — Khalid, Gulf Lens Media""",
  "D65 2; ARM 2", n="Khalid", c="Gulf Lens Media", addr="Al Wasl Rd 300", city="Dubai", notes="split delivery: one display and one arm mount to Corniche Rd 12, Abu Dhabi", tags="split_delivery"),

o("""Hej! Vi vill beställa 10 mössor, 5 orange och 5 koksgrå (charcoal). Adress: Avenyn 10, 411 36 Göteborg, Sverige. Tack, Maja Ek""",
  "BEANIE 5 orange; BEANIE 5 charcoal", n="Maja Ek", addr="Avenyn 10, 411 36", city="Göteborg", country="Sweden", tags="foreign_language"),

o("""URGENT — for the trade show on the first of December 2026: 1 mobile floor stand, 1 43" display, 1 kiosk stick, 1 box of logo stickers. Booth B12, Messe Basel, Messeplatz 10, 4058 Basel, Switzerland. Urs Brunner, Rhein Instruments""",
  "STAND 1; D43 1; STICK 1; STKL 1 box", n="Urs Brunner", c="Rhein Instruments", addr="Booth B12, Messe Basel, Messeplatz 10, 4058", city="Basel", country="Switzerland", date="2026-12-01", tags="ordinal_date"),

o("""ok so per our chat: 2 hoodies S heather grey, 2 hoodies M heather grey. and 2 tote bags natural. ship to Cobblestone Café, 88 King St, Charleston SC 29401. -Addie""",
  "HOOD 2 heather_grey S; HOOD 2 heather_grey M; TOTE 2 natural", n="Addie", c="Cobblestone Café", addr="88 King St, SC 29401", city="Charleston", tags="chat"),

o("""This is an automated reorder from Kestrel Facilities' inventory system. Stock below threshold for: PB-CLEAN (order 1 box), PB-HDMI-2 (order 1 pack). Deliver to Kestrel Facilities, 9 Dock St, Dundee DD1 3DR.""",
  "CLEAN 1 box; H2 1 pack", c="Kestrel Facilities", addr="9 Dock St, DD1 3DR", city="Dundee"),

o("""Hi, can I swap my order? Originally 1 backpack charcoal. Now I'd like the black one, and a desk mat black too. Then also a black tumbler. Ta, Zac, Hobart""",
  "BAG 1 black; DESKMAT 1 black; TUMB 1 black", n="Zac", city="Hobart", notes="replaces an earlier order", tags="chat correction"),

o("""Ahoj, prosím 2 hrnky černé a 2 hrnky bílé. Adresa: Václavské náměstí 10, Praha, Česko. Díky, Lucie Svobodová""",
  "MUG 2 black; MUG 2 white", n="Lucie Svobodová", addr="Václavské náměstí 10", city="Praha", country="Czechia", tags="foreign_language"),

o("""Order (voice note transcribed): "right so it's twelve lanyards teal, twelve black, and a pack of the tile icon sheets, deliver to Bridge Street 4, Chester. Thanks. Oh, it's Nell from Roman Wall Tours." """,
  "LANY 12 teal; LANY 12 black; STKT 1 pack", n="Nell", c="Roman Wall Tours", addr="Bridge Street 4", city="Chester", tags="voice_transcript quantity_words"),

o("""Please send half a dozen Pulseboard socks in black, size L, and half a dozen in teal, size M. Thanks, Rasmus, Odense""",
  "SOCKS 6 black L; SOCKS 6 teal M", n="Rasmus", city="Odense", tags="dozen_words"),

o("""Dear Store, we need 4 displays 32" for our four Athens shops. Please deliver 2 to Ermou 10 and 2 to Kifisias 100. Both in Athens, Greece. Regards, Nikos Georgiou, Parthenon Retail""",
  "D32 4", n="Nikos Georgiou", c="Parthenon Retail", addr="Ermou 10", city="Athens", country="Greece", notes="split delivery: 2 displays to Kifisias 100, Athens", tags="split_delivery"),

o("""hi! the sand cap pls, and the sand notebook. one each. shipping to the fifth floor, 20 Collins St, Melbourne. need by the twelfth of january 2027. kthx — Tash""",
  "CAP 1 sand; NOTE 1 sand", n="Tash", addr="fifth floor, 20 Collins St", city="Melbourne", date="2027-01-12", tags="ordinal_date chat"),

o("""From the procurement portal of Ostara Health (Ref: OH-REQ-20391):
Line 1: PB-DSP-55 qty 2
Line 2: PB-MNT-TILT qty 2
Line 3: PB-STICK qty 2
Deliver-to: Ostara Health, 77 Harley St, London W1G 8QN
Requester: Dr Imran Shah""",
  "D55 2; TILT 2; STICK 2", n="Imran Shah", c="Ostara Health", addr="77 Harley St, W1G 8QN", city="London", notes="requisition reference OH-REQ-20391"),

o("""I want to buy 1 tote bag black. Also I'd like to return the hoodie from my last order, it's too small. Can you send the new hoodie in XL (navy)? So 1 tote + 1 hoodie. Lyon. Malik""",
  "TOTE 1 black; HOOD 1 navy XL", n="Malik", city="Lyon", notes="wants to return a too-small hoodie from an earlier order"),

o("""Sveiki! Pasūtām 2 termokrūzes melnā krāsā (black tumblers) un 2 krūzes baltas. Adrese: Elizabetes iela 20, Rīga, Latvija. Paldies, Kristaps""",
  "TUMB 2 black; MUG 2 white", n="Kristaps", addr="Elizabetes iela 20", city="Rīga", country="Latvia", tags="foreign_language"),

o("""Hello! Ordering for our office in Nicosia: a dozen logo stickers, no, make it a dozen packs, and 1 box of cleaning kits. Address: Makariou Ave 50, 1065 Nicosia, Cyprus. Andreas Christou""",
  "STKL 12 pack; CLEAN 1 box", n="Andreas Christou", addr="Makariou Ave 50, 1065", city="Nicosia", country="Cyprus", tags="dozen_words correction"),
]
