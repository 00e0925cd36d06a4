from dsl import o

ORDERS = [
o("""Hi all — out of office until Monday, but before I go: please send our team a dozen black tees (6 M, 6 L) to Nordhavn Tech, Sundkaj 9, 2150 Nordhavn, Denmark. Thanks, Anders Kjær""",
  "TEE 6 black M; TEE 6 black L", n="Anders Kjær", c="Nordhavn Tech", addr="Sundkaj 9, 2150", city="Nordhavn", country="Denmark", tags="dozen_words"),

o("""can u do 2 hdmi 5m + 1 arm mnt 2 Tallinn, Narva mnt 7? ty - Kadri""",
  "H5 2; ARM 1", n="Kadri", addr="Narva mnt 7", city="Tallinn", tags="chat"),

o("""Good afternoon,

Thank you for the catalogue. After reviewing it with my colleagues, we would like to proceed as follows:

- Wall Display 65-inch: 1
- Articulating Arm Mount: 1
- Screen Cleaning Kit: 1

Our premises: Kaiser Kommunikation, Rathausplatz 2, 9020 Klagenfurt, Austria. Please deliver on the second of March 2027.

Best regards
Christoph Wagner""",
  "D65 1; ARM 1; CLEAN 1", n="Christoph Wagner", c="Kaiser Kommunikation", addr="Rathausplatz 2, 9020", city="Klagenfurt", country="Austria", date="2027-03-02", tags="email signature bullet_list ordinal_date"),

o("""Hey, is the Pulseboard hoodie unisex? If so, 3 in M, navy. If not, still 3 in M navy lol. Hannah, Portland""",
  "HOOD 3 navy M", n="Hannah", city="Portland", tags="chat question"),

o("""Ordering for two people: Akosua wants a black tee L and a teal cap; Kofi wants a white tee XL and a black cap. Send both to our Kumasi office, Adum Rd 4, Ghana. — Yaw Boateng, Ashanti Cloud""",
  "TEE 1 black L; CAP 1 teal; TEE 1 white XL; CAP 1 black", n="Yaw Boateng", c="Ashanti Cloud", addr="Adum Rd 4", city="Kumasi", country="Ghana"),

o("""Estimados, necesitamos 6 soportes de pared fijos y 6 pantallas de 43 pulgadas para nuestras sucursales. Dirección: Av. Corrientes 1200, Rosario, Argentina. Gracias, Lucas Benítez, Paraná Datos""",
  "FIX 6; D43 6", n="Lucas Benítez", c="Paraná Datos", addr="Av. Corrientes 1200", city="Rosario", country="Argentina", tags="foreign_language"),

o("""Hi again, final changes I promise: drop the beanies, double the socks (so 8 pairs, black M), and the hoodies stay at 2 (black L). Thanks, Chiara, Parma""",
  "SOCKS 8 black M; HOOD 2 black L", n="Chiara", city="Parma", notes="changes an earlier order; beanies removed", tags="multi_correction cancellation chat"),

o("""Please find the PO attached (not attached, sorry, here it is in text): PO 4410-B, Wildcat Robotics, 1 x PB-DSP-43, 1 x PB-STAND. Ship to 2200 Guadalupe St, Austin, TX 78705.""",
  "D43 1; STAND 1", c="Wildcat Robotics", addr="2200 Guadalupe St, TX 78705", city="Austin", notes="PO 4410-B"),

o("""hello, im the new office manager at Bluefin Labs (Cape Town). the last person ordered mugs but they never arrived?? anyway, new order: 1 box teal mugs. address: 5 Dock Rd, V&A Waterfront, Cape Town. Zanele""",
  "MUG 1 teal box", n="Zanele", c="Bluefin Labs", addr="5 Dock Rd, V&A Waterfront", city="Cape Town", notes="says a previous mug order never arrived", tags="chat"),

o("""Hi! Re the quote you sent: we'll take the 55" option, not the 65". Plus the tilting mount from the quote and a pair of HDMI 2 m cables. Deliver to Kaiserstraße 12, Karlsruhe. Cheers, Tobias, Schwarzwald Sensorik""",
  "D55 1; TILT 1; H2 2", n="Tobias", c="Schwarzwald Sensorik", addr="Kaiserstraße 12", city="Karlsruhe", tags="dozen_words"),

o("""Yo — need merch for the climbing gym crew: a dozen beanies, orange. Ship to Crux Climbing, 50 Canal St, Manchester M1 3WD. —Jas""",
  "BEANIE 12 orange", n="Jas", c="Crux Climbing", addr="50 Canal St, M1 3WD", city="Manchester", tags="dozen_words chat"),

o("""Dear Pulseboard,

We placed order #PB-90411 yesterday for 20 black tees in M. Changes:
1) 20 → 15 tees in M
2) add 5 tees in L (also black)
3) ship to our warehouse instead: Unit 7, Riverside Park, Limerick, Ireland

Regards, Declan Walsh, Shannonside Freight""",
  "TEE 15 black M; TEE 5 black L", n="Declan Walsh", c="Shannonside Freight", addr="Unit 7, Riverside Park", city="Limerick", country="Ireland", notes="changes order #PB-90411", tags="multi_correction email bullet_list"),

o("""Dzień dobry, zamawiamy 3 plecaki na laptopa w kolorze grafitowym (charcoal) i 3 podkładki na biurko czarne. Adres: ul. Piotrkowska 100, 90-001 Łódź, Polska. Pozdrawiam, Marek Kaczmarek""",
  "BAG 3 charcoal; DESKMAT 3 black", n="Marek Kaczmarek", addr="ul. Piotrkowska 100, 90-001", city="Łódź", country="Poland", tags="foreign_language"),

o("""Hi, my order is for the new Kuala Lumpur office: two 43" displays, two fixed mounts, two sticks. Menara Binjai, 2 Jalan Binjai, 50450 Kuala Lumpur, Malaysia. Please deliver on or after the sixth of January 2027, not before. Farah Ismail, Petaling Analytics""",
  "D43 2; FIX 2; STICK 2", n="Farah Ismail", c="Petaling Analytics", addr="Menara Binjai, 2 Jalan Binjai, 50450", city="Kuala Lumpur", country="Malaysia", date="2027-01-06", notes="deliver on or after that date, not before", tags="ordinal_date quantity_words"),

o("""right, so, um, for the office party we want, like, twenty of the black mugs? Which I think is... is that boxes? Let's just say twenty single mugs. And um ten of the teal tees, medium. Delivery to Gower Street 2, London. It's Priya from Hemlock Studio. [end of recording]""",
  "MUG 20 black; TEE 10 teal M", n="Priya", c="Hemlock Studio", addr="Gower Street 2", city="London", tags="voice_transcript quantity_words"),

o("""Hi, we'll need 3 x 32" screens. First one to our Split office (Riva 1, Split), second and third to Zagreb (Ilica 10). Croatia. Thanks, Petra Jurić""",
  "D32 3", n="Petra Jurić", addr="Riva 1", city="Split", country="Croatia", notes="split delivery: 2 displays to Ilica 10, Zagreb", tags="split_delivery"),

o("""Hello Pulseboard team, we're a book club that uses a Pulseboard board to track reading goals (yes really!). We'd love a couple of mugs in each colour. Address: 4 Quay St, Galway. Thanks, Orla""",
  "MUG 2 white; MUG 2 black; MUG 2 teal", n="Orla", addr="4 Quay St", city="Galway", tags="dozen_words"),

o("""order ref ZX-12: 1 usb-c adapter, 1 hdmi 2m, deliver 2027/01/15 to 9 Ocean Rd, Durban, South Africa — Thandiwe""",
  "USBC 1; H2 1", n="Thandiwe", addr="9 Ocean Rd", city="Durban", country="South Africa", date="2027-01-15", notes="order reference ZX-12", tags="chat"),

o("""Hi, can we get a pair of socks for each of our 10 engineers? 5 in M and 5 in L, teal. Deliver to 1 Circular Quay, Sydney. — Kai, Harbourside Dev""",
  "SOCKS 5 teal M; SOCKS 5 teal L", n="Kai", c="Harbourside Dev", addr="1 Circular Quay", city="Sydney"),

o("""FW: FW: stickers!!

> > From: Jo Park
> > Please order 2 boxes of logo stickers for the Seoul meetup, ship to Jo Park, 20 Gangnam-daero, Seoul, Korea.
> Approved. - Min
Processing, thanks. - reception""",
  "STKL 2 box", n="Jo Park", addr="20 Gangnam-daero", city="Seoul", country="South Korea", tags="forwarded_thread"),

o("""Tilting mount, 43 inch display, 2 m HDMI — quantity 3 of each. Address on file. Dr. Yasmin Farouk, Delta Clinics, Alexandria""",
  "TILT 3; D43 3; H2 3", n="Yasmin Farouk", c="Delta Clinics", city="Alexandria", notes="address on file"),

o("""Hi, I'm buying gifts for my team: 7 tumblers. 3 black, 3 steel... and the last one black too. Ship to Rua XV de Novembro 300, Curitiba, Brazil. Leonardo""",
  "TUMB 4 black; TUMB 3 steel", n="Leonardo", addr="Rua XV de Novembro 300", city="Curitiba", country="Brazil"),

o("""Please send the following by the tenth of February 2027:
- 25 Canvas Tote Bags, natural
- 25 Dotted Notebooks, black
- 1 box of Pulseboard Pens, teal
To: Summit Hall, 1 Conference Way, Reykjavík, Iceland
Ordered by Hekla Events (contact: Birna Sigurðardóttir)""",
  "TOTE 25 natural; NOTE 25 black; PEN 1 teal box", n="Birna Sigurðardóttir", c="Hekla Events", addr="Summit Hall, 1 Conference Way", city="Reykjavík", country="Iceland", date="2027-02-10", tags="bullet_list ordinal_date"),

o("""Hi there, I think I ordered the wrong thing: I got the fixed mount but the room needs the tilting one. Could you send a tilting mount (1) and tell me how to return the fixed one? Mateo, Bilbao""",
  "TILT 1", n="Mateo", city="Bilbao", notes="wants to return a fixed mount from an earlier order", tags="question"),

o("""Buna ziua, dorim 4 căni albe și 4 căni negre. Adresa: Bulevardul Eroilor 5, Cluj-Napoca, România. Mulțumesc, Ioana Marin""",
  "MUG 4 white; MUG 4 black", n="Ioana Marin", addr="Bulevardul Eroilor 5", city="Cluj-Napoca", country="Romania", tags="foreign_language"),

o("""team lunch idea → merch instead. 4 caps (2 teal, 2 sand). 4 tees white (S, M, M, L). Halifax office. Maeve""",
  "CAP 2 teal; CAP 2 sand; TEE 1 white S; TEE 2 white M; TEE 1 white L", n="Maeve", city="Halifax", tags="chat"),

o("""Could you quote first, then ship if under $2,000: four 43-inch displays with fixed mounts? Deliver to Northbank Credit, 12 High St, Inverness. Alistair Munro""",
  "D43 4; FIX 4", n="Alistair Munro", c="Northbank Credit", addr="12 High St", city="Inverness", notes="quote first; ship only if under $2,000", tags="question quantity_words"),

o("""So the, the order is, uh, one display, fifty-five inch, and a, um, the mount that tilts. And can we have it the nineteenth of December 2026. Address, uh, 18 Harbour Street, Whitstable. Thanks, it's Bill. Bill Turner.""",
  "D55 1; TILT 1", n="Bill Turner", addr="18 Harbour Street", city="Whitstable", date="2026-12-19", tags="voice_transcript ordinal_date"),

o("""Hi — updating my earlier order: it was 2 hoodies black M. Please make it 1 black M and 1 heather grey M, and add 1 navy S. Then also change delivery to 7 Castle Hill, Lincoln. Sorry! Evie""",
  "HOOD 1 black M; HOOD 1 heather_grey M; HOOD 1 navy S", n="Evie", addr="7 Castle Hill", city="Lincoln", notes="changes an earlier order", tags="multi_correction"),

o("""Hello from Montevideo! We (Rambla Software) want: half a dozen teal mugs, half a dozen black ones. Address: Rambla República de México 5500, Montevideo, Uruguay. Florencia""",
  "MUG 6 teal; MUG 6 black", n="Florencia", c="Rambla Software", addr="Rambla República de México 5500", city="Montevideo", country="Uruguay", tags="dozen_words"),

o("""Ship 2 x kiosk stick to our Leeds office and 2 more to Sheffield. Leeds: 1 Park Row. Sheffield: 10 Fargate. Thanks, Imran, Pennine Data""",
  "STICK 4", n="Imran", c="Pennine Data", addr="1 Park Row", city="Leeds", notes="split delivery: 2 kiosk sticks to 10 Fargate, Sheffield", tags="split_delivery"),

o("""Merhaba, 5 adet siyah kapşonlu sweatshirt (hoodie) L beden istiyoruz. Adres: Bağdat Caddesi 200, İstanbul, Türkiye. Teşekkürler, Deniz Aydın""",
  "HOOD 5 black L", n="Deniz Aydın", addr="Bağdat Caddesi 200", city="İstanbul", country="Turkey", tags="foreign_language"),

o("""Hi! Our intern broke the mug (RIP). Replacement please — 1 white mug. Plus, since you're shipping anyway, a couple of black pens. Hoxton Square 3, London. Gemma""",
  "MUG 1 white; PEN 2 black", n="Gemma", addr="Hoxton Square 3", city="London", tags="dozen_words chat"),

o("""Order for the Pulseboard user group, Zürich chapter:
* 1 box logo stickers
* 30 lanyards, teal
* 30 tees black M
Delivery: Impact Hub, Viaduktstrasse 93, 8005 Zürich. Deadline: 26.01.2027. – Reto""",
  "STKL 1 box; LANY 30 teal; TEE 30 black M", n="Reto", c="Pulseboard user group, Zürich chapter", addr="Impact Hub, Viaduktstrasse 93, 8005", city="Zürich", date="2027-01-26", tags="bullet_list"),

o("""Hi, please send 1 black backpack to my colleague Ama Owusu at 30 Independence Ave, Accra, and bill me (Kojo Asante, Volta Data). We need it before the first of February 2027.""",
  "BAG 1 black", n="Kojo Asante", c="Volta Data", addr="30 Independence Ave", city="Accra", date="2027-02-01", notes="deliver to the attention of Ama Owusu; bill Kojo Asante", tags="recipient_differs ordinal_date"),

o("""Howdy. Fixin' to order a 65 inch and the rolling stand for our rodeo grounds office. Deliver to 1200 Main St, Fort Worth, TX. Name's Cody Hale.""",
  "D65 1; STAND 1", n="Cody Hale", addr="1200 Main St, TX", city="Fort Worth"),

o("""Hi, can you send 3 desk mats? Grey. Actually black. Actually, 2 grey 1 black, my teammates can't agree 😂. Ship to 15 Bay St, Toronto. Wen""",
  "DESKMAT 2 grey; DESKMAT 1 black", n="Wen", addr="15 Bay St", city="Toronto", tags="multi_correction chat"),

o("""Goedendag, graag 2 wandhouders met arm en 2 HDMI-kabels van 5 meter. Adres: Meir 50, 2000 Antwerpen, België. Met vriendelijke groeten, Sofie Maes, Schelde Logistiek""",
  "ARM 2; H5 2", n="Sofie Maes", c="Schelde Logistiek", addr="Meir 50, 2000", city="Antwerpen", country="Belgium", tags="foreign_language"),

o("""Hi there, please send a few of the tile icon sheet packs — let's say 2 — and 3 packs of lanyards in black to Hatch Coworking, 44 Rundle Mall, Adelaide SA 5000, Australia. Many thanks, Georgia Price""",
  "STKT 2 pack; LANY 3 black pack", n="Georgia Price", c="Hatch Coworking", addr="44 Rundle Mall, SA 5000", city="Adelaide", country="Australia"),

o("""We are restocking the merch corner in our lobby: two dozen tote bags (natural), one dozen caps (black), a dozen caps (sand). Ship to Baltic Hub, Jūras iela 1, Liepāja, Latvia. Reinis Ozols""",
  "TOTE 24 natural; CAP 12 black; CAP 12 sand", n="Reinis Ozols", c="Baltic Hub", addr="Jūras iela 1", city="Liepāja", country="Latvia", tags="dozen_words"),

o("""Hello, I'd like 1 tee teal M please. Deliver to my work: Figtree Analytics, Level 9, 1 Queen St, Brisbane. Actually, send it to my home instead — 22 Rosa St, Paddington, Brisbane. Thanks, Laila""",
  "TEE 1 teal M", n="Laila", c="Figtree Analytics", addr="22 Rosa St, Paddington", city="Brisbane", tags="correction"),

o("""Transcribed from phone order, 26/11: caller Mr. Nakamura Hiroshi, Fuji Logistics, wants 4 tumblers black, 4 tumblers steel, delivery to 3-5 Minato Mirai, Yokohama, Japan. Caller asked for delivery before New Year.""",
  "TUMB 4 black; TUMB 4 steel", n="Nakamura Hiroshi", c="Fuji Logistics", addr="3-5 Minato Mirai", city="Yokohama", country="Japan", notes="delivery before New Year", tags="voice_transcript unresolved_date"),

o("""Need stuff for new hires x5: each gets a black backpack, a black notebook and a teal pen. Office: 400 W 15th St, Austin. Deadline the fifteenth of January 2027. Thanks! Nia Walker, Bluebonnet Health""",
  "BAG 5 black; NOTE 5 black; PEN 5 teal", n="Nia Walker", c="Bluebonnet Health", addr="400 W 15th St", city="Austin", date="2027-01-15", tags="ordinal_date"),

o("""Hi, I ordered a display yesterday and forgot the HDMI cable — could you add a couple of the 2 m ones? Thanks — Grace, Accra""",
  "H2 2", n="Grace", city="Accra", notes="add to an order placed yesterday", tags="dozen_words chat"),

o("""Good evening. Please cancel order #PB-90777 (2 x 32" displays) completely and replace it with 1 x 43" display and 1 x arm mount. Same address: Strandvejen 100, Hellerup, Denmark. Best, Karen Dahl""",
  "D43 1; ARM 1", n="Karen Dahl", addr="Strandvejen 100", city="Hellerup", country="Denmark", notes="replaces cancelled order #PB-90777", tags="cancellation"),

o("""Ciao! Per il nostro ufficio di Firenze: 3 felpe blu navy taglia M e 2 cappellini neri. Indirizzo: Via dei Calzaiuoli 7, 50122 Firenze. Grazie, Giorgio Rossi""",
  "HOOD 3 navy M; CAP 2 black", n="Giorgio Rossi", addr="Via dei Calzaiuoli 7, 50122", city="Firenze", tags="foreign_language"),

o("""Two things. One: 8 HDMI cables, 2 m. Two: one pack of 2 m HDMI cables, too. So 8 single + 1 pack. For IT store, Aalto Towers, Espoo, Finland. Ville Mäkinen""",
  "H2 8; H2 1 pack", n="Ville Mäkinen", addr="IT store, Aalto Towers", city="Espoo", country="Finland", tags="quantity_words"),

o("""hi ya, sending this from my phone: 1x 32 inch, 1x fixed mount, 1x kiosk stick for the barbershop. 9 Temple Bar, Dublin 2. cheers, Fionn @ Fade Republic""",
  "D32 1; FIX 1; STICK 1", n="Fionn", c="Fade Republic", addr="9 Temple Bar, Dublin 2", city="Dublin", tags="chat"),

o("""Order for our booth at the Kraków Data Fair (stand 42), delivery there on the eighth of March 2027: a dozen tees black (4 S, 4 M, 4 L), 2 boxes logo stickers, 1 floor stand, 1 55" display. Venue: ICE Kraków, ul. Marii Konopnickiej 17, Kraków, Poland. Contact Tomasz Wójcik, Smok Data""",
  "TEE 4 black S; TEE 4 black M; TEE 4 black L; STKL 2 box; STAND 1; D55 1", n="Tomasz Wójcik", c="Smok Data", addr="ICE Kraków, ul. Marii Konopnickiej 17", city="Kraków", country="Poland", date="2027-03-08", notes="booth at the Kraków Data Fair, stand 42", tags="dozen_words ordinal_date"),
]
