"""Write the support database extract (data/support_db/*.csv) for the agent notebook (05) deterministically.

The customers whose stories the course tells (C-12345 and the customers named in data/tickets) are written out by
hand in ``STORIES``; the rest of the ~300-customer extract is drawn with a fixed seed under the rules listed in
data/support_db/README.md (prices from data/WORLD.md, plan chains, seat and board limits, dunning dates, incident
impacts). The incident rows are hand-written from the post-mortems in data/kb/inc-*.md.

Rebuild: ``python data/support_db/build.py`` (same output every time); check: ``pytest tests/test_data_agent.py``.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent
TODAY = dt.date(2026, 11, 24)               # the course world's "today"
SNAPSHOT = dt.datetime(2026, 11, 24, 6, 0)  # the extract was taken at 06:00 UTC
INVOICE_HORIZON = dt.date(2026, 6, 1)       # monthly invoices issued before this day are not in the extract
PRICE_CHANGE = dt.date(2026, 3, 1)          # release 4.0: new price list
ENT_WINDOW = (dt.datetime(2026, 11, 12, 2, 0), dt.datetime(2026, 11, 12, 9, 40))  # stale entitlements
ENT_TTL = dt.timedelta(hours=6)

# ---------------------------------------------------------------------------------------------------- plans
PLAN_COLUMNS = ["plan_id", "name", "legacy_name", "rank", "monthly_price_usd", "annual_price_usd", "seats_included",
                "extra_seat_usd", "source_limit", "board_limit", "sync_frequency", "retention",
                "api_rate_limit_per_min", "support", "sla_uptime_pct", "pulse_ai", "sso", "scim", "audit_logs"]
PLANS = [
    ["free", "Free", "", 0, 0, 0, 2, "", 2, 3, "daily", "30 days", 60, "community forum", "", 0, 0, 0, 0],
    ["starter", "Starter", "Basic", 1, 29, 290, 5, 8, 10, 25, "hourly", "12 months", 300, "email, 2 business days",
     "", 0, 0, 0, 0],
    ["team", "Team", "", 2, 99, 990, 15, 7, 50, 100, "every 15 min", "24 months", 1200,
     "email + chat, 8 business hours", "", 1, 0, 0, 0],
    ["business", "Business", "", 3, 349, 3490, 50, 6, "", "", "every 5 min", "36 months", 3000,
     "24/7, 1 hour for Sev-1", 99.9, 1, 1, 0, 1],
    ["enterprise", "Enterprise", "", 4, "", "", "", "", "", "", "every minute", "custom", "",
     "named CSM, 30 min Sev-1", 99.95, 1, 1, 1, 1],
]
PLAN = {row[0]: dict(zip(PLAN_COLUMNS, row)) for row in PLANS}
RANK = {p: PLAN[p]["rank"] for p in PLAN}
OLD_TEAM = {"monthly": 79, "annual": 790, "seats": 10}  # before 4.0 (until 2026-02-28)


def period_price(plan: str, cycle: str, extra_seats: int, period_start: dt.date,
                 contract: float | None = None) -> float:
    """What one billing period costs (the rule the tests check): list price plus extra seats, annual = 10 months."""
    if plan == "free":
        return 0.0
    if plan == "enterprise":
        return float(contract)
    months = 10 if cycle == "annual" else 1
    base = PLAN[plan]["monthly_price_usd"]
    if plan == "team" and period_start < PRICE_CHANGE:
        base = OLD_TEAM["monthly"]
    return float(base * months + extra_seats * PLAN[plan]["extra_seat_usd"] * months)


# ---------------------------------------------------------------------------------------------------- names
PREFIXES = """Alder Amberline Anchor Arbor Ashgrove Aster Atlas Aurora Basalt Bayleaf Beacon Birchwood Blackthorn
Bluebell Boreal Bramble Briar Brookfield Calder Canopy Cascade Cedar Cinder Clearwater Clover Coastal Copperleaf Coral Cove
Crescent Crestline Dovetail Driftwood Elmstead Ember Evergreen Fairway Falcon Fennel Fieldstone Firefly Foxglove
Garnet Glacier Goldcrest Granite Greywell Harbour Harrow Hawthorn Heron Highland Hollow Indigo Ironbark Ivy Jasper
Juniper Keystone Kingfisher Lakeshore Lantern Larkspur Laurel Linden Lodestar Lowland Magnolia Maple Marigold Meadow
Meridian Millbrook Mistral Moorland Nettle Northwind Oakridge Obsidian Onyx Orchid Osprey Paloma Pebble Pinewood
Plover Quarry Rainier Redfern Riverbend Rookery Rosewood Rowan Sable Saffron Sagebrush Seabright Sequoia Shale
Silverbirch Skylark Sorrel Sparrow Springvale Stonebridge Summit Sunridge Swallow Sycamore Thistle Timber Topaz Torrent
Trillium Tundra Upland Valley Verdant Westbrook Whitecap Wildflower Willow Windmill Wren Yarrow Zephyr""".split()
INDUSTRIES = {
    "retail": ["Outfitters", "Home Goods", "Supply Co.", "Market", "Trading"],
    "logistics": ["Logistics", "Freight", "Shipping", "Transport"],
    "healthcare": ["Clinics", "Health", "Dental Group", "Care"],
    "software": ["Labs", "Software", "Apps", "Systems", "Digital"],
    "finance": ["Capital", "Finance", "Advisors", "Insurance"],
    "manufacturing": ["Manufacturing", "Works", "Industries", "Fabrication"],
    "hospitality": ["Hotels", "Hospitality", "Travel", "Kitchens"],
    "education": ["Academy", "Learning", "School of Design"],
    "media": ["Media", "Studio", "Publishing"],
    "energy": ["Energy", "Solar", "Power"],
    "food": ["Foods", "Bakeries", "Coffee Roasters", "Farms"],
    "nonprofit": ["Foundation", "Trust"],
}
FIRST = """Ana Joao Ines Tiago Beatriz Rui Sofia Miguel Leonor Duarte Emma Liam Olivia Noah Ava Lucas Mia Ethan Chloe
Mateo Amara Kwame Zanele Tunde Aisha Omar Layla Yusuf Priya Arjun Meera Rohan Mei Wei Jun Hana Kenji Yuki Min-jun
Seo-yeon Linh Minh Camille Louis Lea Hugo Jonas Lena Felix Greta Marta Pawel Zofia Elif Emre Sven Ingrid Freya Nils
Daniel Grace Samuel Ruth Isaac Nora Victor Clara Diego Lucia Valentina Mateus Bruno Giulia Marco Chiara Fatima Karim
Sara Tomas Eva Hannah Oscar Alice Maya Theo Zara Ravi Anika Kofi Efua Ines Pablo Carmen""".split()
LAST = """Silva Santos Ferreira Costa Oliveira Almeida Ribeiro Carvalho Martins Sousa Tremblay Gagnon Roy Cote Bouchard
Smith Johnson Brown Garcia Miller Davis Wilson Moore Taylor Anderson Okafor Mensah Nkosi Adeyemi Haddad Farouk Rahman
Nair Iyer Gupta Sharma Chen Wang Li Zhang Tanaka Sato Kim Park Nguyen Tran Dubois Lefevre Moreau Weber Schmidt
Fischer Becker Kowalski Nowak Wisniewska Yilmaz Kaya Lindqvist Johansson Berg Hansen Murphy Kelly OBrien Walsh
Rossi Bianchi Romano Fernandez Lopez Martinez Gomez Ruiz Novak Horvat Jansen deVries Bakker Petrov Ivanova""".split()

REGION_COUNTRIES = {
    "eu-west": [("Portugal", 14), ("United Kingdom", 12), ("Germany", 10), ("France", 8), ("Spain", 7),
                ("Netherlands", 6), ("Ireland", 5), ("Italy", 4), ("Poland", 4), ("Sweden", 3), ("Belgium", 2),
                ("Denmark", 2), ("South Africa", 2), ("United Arab Emirates", 2), ("Nigeria", 1)],
    "us-east": [("United States", 30), ("Canada", 16), ("Brazil", 5), ("Mexico", 4), ("Australia", 3),
                ("India", 3), ("Japan", 2), ("Singapore", 2)],
}
SOURCE_TYPES = [("postgres", 22), ("google_sheets", 18), ("csv", 15), ("mysql", 10), ("stripe", 8), ("bigquery", 8),
                ("hubspot", 7), ("snowflake", 7), ("webhook", 5)]
SOURCE_NAMES = {
    "postgres": ["Production DB", "Orders database", "Analytics replica", "App Postgres", "Billing DB"],
    "mysql": ["Shop MySQL", "Legacy ERP", "Inventory DB", "CRM MySQL"],
    "bigquery": ["BigQuery warehouse", "GA4 export", "Marketing BigQuery"],
    "snowflake": ["Snowflake warehouse", "Finance Snowflake", "Data platform"],
    "google_sheets": ["Sales targets sheet", "Budget 2026", "Weekly KPIs", "Headcount plan", "Store rota"],
    "csv": ["Monthly export", "Price list upload", "Survey results", "Inventory upload"],
    "stripe": ["Stripe payments"],
    "hubspot": ["HubSpot CRM"],
    "webhook": ["Order events", "IoT sensor feed", "Support events"],
}
SSO_PROVIDERS = [("Okta", 45), ("Microsoft Entra ID", 30), ("Google Workspace", 15), ("OneLogin", 10)]
# invoice numbers that tickets in data/tickets mention for situations outside this extract: never reused
RESERVED_INVOICES = {"INV-2026-003391", "INV-2026-004391", "INV-2026-004412", "INV-2026-004602", "INV-2026-004733",
                     "INV-2026-004817", "INV-2026-004977", "INV-2026-004980", "INV-2026-005019", "INV-2026-005122",
                     "INV-2026-005266", "INV-2026-005301"}


def pick(rng: random.Random, weighted):
    items, weights = zip(*weighted)
    return rng.choices(items, weights=weights)[0]


def ts(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def ds(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's length (anchored on the 31st: renews on 30 April)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


# ---------------------------------------------------------------------------------------------------- stories
# Hand-written customers. "changes": (effective time, type, from, to, seats_delta, note); "requested" defaults to the
# effective time. Anything not given is drawn like the other customers.
STORIES = [
    dict(customer_id="C-12345", company_name="Brightwater Outfitters", workspace_slug="brightwater-outfitters",
         region="us-east", country="Canada", city="Toronto", industry="retail", created_at="2025-06-18",
         signup_plan="free", cycle="monthly", anchor=dt.date(2025, 7, 2), board_count=27, members=9, ghosts=0,
         owner="Maya Castellano", billing_manager="Daniel Roy",
         sources=[("postgres", "Orders database", "2025-07-03"), ("stripe", "Stripe payments", "2025-07-10"),
                  ("google_sheets", "Store targets 2026", "2026-01-12"), ("csv", "Supplier price list", "2026-04-02"),
                  ("hubspot", "HubSpot CRM", "2026-09-15")],
         changes=[(dt.datetime(2025, 7, 2, 14, 20, 5), "upgrade", "free", "starter", 0,
                   "Upgraded to Basic (renamed Starter in 4.0)."),
                  (dt.datetime(2026, 11, 12, 3, 52, 10), "upgrade", "starter", "team", 0,
                   "Upgrade paid at once; during the 2026-11-12 entitlement incident the workspace kept Starter "
                   "entitlements (\"Upgrade required\" on Pulse AI and on boards above 25; API answered PB-1017) "
                   "until the entitlement cache flush at 09:40 UTC. The Owner sent the first ticket of the incident "
                   "at 04:50 UTC.")],
         entitlements={dt.datetime(2026, 11, 12, 3, 52, 10): dt.datetime(2026, 11, 12, 9, 40, 0)}),
    dict(customer_id="C-30417", company_name="Quayside Bakeries", workspace_slug="quayside-bakeries", region="eu-west",
         country="United Kingdom", city="Bristol", industry="food", created_at="2024-10-21", signup_plan="free",
         cycle="annual", anchor=dt.date(2024, 11, 2), board_count=14, members=8, ghosts=0, owner="Rhys Pengelly",
         billing_manager="Gwen Ashdown",
         sources=[("google_sheets", "Shop sales sheet", "2024-11-04"), ("google_sheets", "Bake schedule", "2025-02-17"),
                  ("csv", "Supplier invoices", "2025-05-09"), ("stripe", "Online shop Stripe", "2025-08-22")],
         changes=[(dt.datetime(2024, 11, 2, 10, 5, 0), "upgrade", "free", "team", 0,
                   "Annual Team at the old price ($790 a year, 10 seats).")],
         duplicate_renewal=True),
    dict(customer_id="C-20931", company_name="Marlowe & Finch Design", workspace_slug="marlowe-finch",
         region="eu-west", country="Ireland", city="Dublin", industry="media", created_at="2025-03-11",
         signup_plan="free", cycle="monthly", anchor=dt.date(2025, 4, 3), board_count=22, members=12, ghosts=0,
         owner="Siobhan Kelly",
         changes=[(dt.datetime(2025, 4, 3, 9, 12, 40), "upgrade", "free", "team", 0, "")],
         duplicate_monthly=dt.date(2026, 11, 3)),
    dict(customer_id="C-11873", company_name="Cobalt Logistics", workspace_slug="cobalt-logistics", region="eu-west",
         country="Netherlands", city="Rotterdam", industry="logistics", created_at="2024-01-22", signup_plan="team",
         cycle="annual", anchor=dt.date(2024, 1, 22), board_count=64, members=44, ghosts=1,
         owner="Dmitri Halvorsen", sso="Microsoft Entra ID",
         sources=[("postgres", "Fleet database", "2024-02-16"), ("postgres", "Warehouse WMS", "2024-03-01"),
                  ("snowflake", "Finance Snowflake", "2024-06-10"), ("google_sheets", "Route plan", "2024-09-02"),
                  ("webhook", "Truck telemetry", "2025-01-20"), ("csv", "Customs export", "2025-07-14")],
         changes=[(dt.datetime(2025, 1, 21, 16, 5, 0), "upgrade", "team", "business", 0,
                   "Upgraded the day before the annual renewal.")],
         impacts={"INC-2026-06-03": "Postgres syncs in eu-west delayed by up to 3 hours.",
                  "INC-2026-08-19": "Boards blank for 47 minutes (12:58-13:45 UTC). Eligible for a 10% service "
                                    "credit of the August fee."}),
    dict(customer_id="C-22690", company_name="Fernhill Group", workspace_slug="fernhill-group", region="eu-west",
         country="Germany", city="Hamburg", industry="finance", created_at="2024-05-06", signup_plan="business",
         cycle="annual", anchor=dt.date(2024, 5, 6), board_count=118, members=50, ghosts=2, owner="Lena Becker",
         sso="Okta", changes=[]),
    dict(customer_id="C-16208", company_name="Lumen Health", workspace_slug="lumen-health", region="us-east",
         country="Canada", city="Toronto", industry="healthcare", created_at="2025-09-08", signup_plan="starter",
         cycle="monthly", anchor=dt.date(2025, 9, 8), board_count=31, members=13, ghosts=0, owner="Grace Tremblay",
         billing_manager="Samuel Okafor",
         changes=[(dt.datetime(2026, 1, 19, 16, 45, 0), "upgrade", "starter", "team", 0, "")]),
    dict(customer_id="C-27714", company_name="Bluefin Analytics", workspace_slug="bluefin-analytics",
         region="us-east", country="United States", city="Boston", industry="software", created_at="2025-12-01",
         signup_plan="starter", cycle="monthly", anchor=dt.date(2025, 12, 1), board_count=9, members=4, ghosts=0,
         owner="Ethan Walsh",
         changes=[(dt.datetime(2026, 12, 1, 0, 0, 0), "cancellation", "starter", "free", 0,
                   "Cancelled on 2026-11-20; moves to Free at the end of the billing period.")],
         requested={dt.datetime(2026, 12, 1): dt.datetime(2026, 11, 20, 15, 2, 11)}),
    dict(customer_id="C-14452", company_name="Ridgeline Engineering", workspace_slug="ridgeline-eng",
         region="eu-west", country="Portugal", city="Porto", industry="manufacturing", created_at="2024-08-12",
         signup_plan="team", cycle="monthly", anchor=dt.date(2024, 8, 12), board_count=47, members=38, ghosts=0,
         owner="Tiago Ferreira", sso="Okta",
         changes=[(dt.datetime(2025, 12, 12, 11, 30, 0), "upgrade", "team", "business", 0, "Upgraded for SSO (3.9).")],
         impacts={"INC-2026-10-02": "Nobody could sign in with Okta SSO for 2 h 10 min (08:00-10:10 UTC)."}),
    dict(customer_id="C-25118", company_name="Tallgrass Co.", workspace_slug="tallgrass-co", region="us-east",
         country="United States", city="Omaha", industry="food", created_at="2025-04-28", signup_plan="free",
         cycle="monthly", anchor=dt.date(2025, 5, 14), board_count=12, members=7, ghosts=0, owner="Ruth Anderson",
         changes=[(dt.datetime(2025, 5, 14, 13, 0, 0), "upgrade", "free", "team", 0, "")]),
    dict(customer_id="C-18840", company_name="Acme Retail", workspace_slug="acme-retail", region="us-east",
         country="United States", city="Columbus", industry="retail", created_at="2025-02-03", signup_plan="team",
         cycle="monthly", anchor=dt.date(2025, 2, 3), board_count=40, members=14, ghosts=0, owner="Nora Miller",
         changes=[]),
    dict(customer_id="C-18841", company_name="Acme Wholesale", workspace_slug="acme-wholesale", region="us-east",
         country="United States", city="Columbus", industry="retail", created_at="2025-02-03", signup_plan="team",
         cycle="monthly", anchor=dt.date(2025, 2, 3), board_count=18, members=9, ghosts=0, owner="Nora Miller",
         changes=[]),
    dict(customer_id="C-24610", company_name="Pinecrest Dental Group", workspace_slug="pinecrest-dental",
         region="us-east", country="United States", city="Denver", industry="healthcare", created_at="2025-08-19",
         signup_plan="starter", cycle="monthly", anchor=dt.date(2025, 8, 19), board_count=31, members=5, ghosts=0,
         owner="Isaac Garcia",
         sources=[("mysql", "Practice management DB", "2025-08-20"), ("google_sheets", "Chair schedule", "2025-09-03"),
                  ("csv", "Insurance claims export", "2025-10-11"), ("stripe", "Patient payments", "2026-01-08")],
         changes=[(dt.datetime(2026, 2, 10, 10, 15, 0), "upgrade", "starter", "team", 0, ""),
                  (dt.datetime(2026, 10, 19, 0, 0, 0), "downgrade", "team", "starter", 0,
                   "Downgrade requested on 2026-10-08, effective at the end of the billing period; 31 boards on a "
                   "25-board plan, so the 6 newest boards are frosted (read-only, PB-2210).")],
         requested={dt.datetime(2026, 10, 19): dt.datetime(2026, 10, 8, 17, 40, 0)}),
    dict(customer_id="C-15520", company_name="Halvard Marine", workspace_slug="halvard-marine", region="eu-west",
         country="Sweden", city="Gothenburg", industry="logistics", created_at="2025-10-19", signup_plan="team",
         cycle="monthly", anchor=dt.date(2025, 10, 19), board_count=26, members=11, ghosts=0, owner="Sven Lindqvist",
         changes=[], past_due=dt.date(2026, 11, 19)),
    dict(customer_id="C-17764", company_name="Orchard Lane Foods", workspace_slug="orchard-lane-foods",
         region="eu-west", country="Spain", city="Valencia", industry="food", created_at="2025-12-28",
         signup_plan="starter", cycle="monthly", anchor=dt.date(2025, 12, 28), board_count=8, members=4, ghosts=0,
         owner="Lucia Martinez", changes=[], suspended=dt.date(2026, 10, 28)),
    dict(customer_id="C-26088", company_name="Tern & Tide Travel", workspace_slug="tern-and-tide", region="eu-west",
         country="Portugal", city="Lisbon", industry="hospitality", created_at="2025-07-26", signup_plan="starter",
         cycle="monthly", anchor=dt.date(2025, 7, 26), board_count=17, members=6, ghosts=0, owner="Ines Carvalho Sousa",
         changes=[], reactivated=(dt.date(2026, 10, 26), dt.datetime(2026, 11, 12, 6, 15, 30))),
    dict(customer_id="C-19342", company_name="Saltmarsh Media", workspace_slug="saltmarsh-media", region="eu-west",
         country="United Kingdom", city="Norwich", industry="media", created_at="2025-05-20", signup_plan="free",
         cycle="monthly", anchor=dt.date(2025, 6, 9), board_count=35, members=17, ghosts=2, owner="Oscar Walsh",
         changes=[(dt.datetime(2025, 6, 9, 12, 0, 0), "upgrade", "free", "team", 0, "")],
         seats_added_at=dt.datetime(2026, 7, 30, 15, 20, 0)),
    dict(customer_id="C-33208", company_name="Larkspur Coffee Roasters", workspace_slug="larkspur-coffee",
         region="eu-west", country="Portugal", city="Braga", industry="food", created_at="2025-10-06",
         signup_plan="team", cycle="monthly", anchor=dt.date(2025, 10, 6), board_count=19, members=16, ghosts=0,
         owner="Beatriz Almeida", changes=[], seats_added_at=dt.datetime(2026, 11, 12, 7, 5, 44),
         entitlements={dt.datetime(2026, 11, 12, 7, 5, 44): dt.datetime(2026, 11, 12, 9, 40, 0)}),
    dict(customer_id="C-31876", company_name="Granite Works", workspace_slug="granite-works", region="eu-west",
         country="Germany", city="Cologne", industry="manufacturing", created_at="2025-03-17", signup_plan="team",
         cycle="monthly", anchor=dt.date(2025, 3, 17), board_count=84, members=22, ghosts=1, owner="Felix Weber",
         changes=[(dt.datetime(2026, 11, 12, 8, 31, 2), "upgrade", "team", "business", 0,
                   "Upgraded for SSO and audit logs.")],
         entitlements={dt.datetime(2026, 11, 12, 8, 31, 2): dt.datetime(2026, 11, 12, 9, 40, 0)}),
    dict(customer_id="C-21457", company_name="Veridian Clinics", workspace_slug="veridian-clinics", region="us-east",
         country="United States", city="Raleigh", industry="healthcare", created_at="2025-12-15", signup_plan="team",
         cycle="annual", anchor=dt.date(2025, 12, 15), board_count=29, members=12, ghosts=0, owner="Clara Davis",
         changes=[]),
]

# ---------------------------------------------------------------------------------------------------- incidents
INCIDENT_COLUMNS = ["incident_id", "incident_date", "severity", "status", "title", "started_at", "resolved_at",
                    "regions", "components", "affected_pct", "summary", "keywords", "postmortem_doc_id"]
INCIDENTS = [
    ["INC-2025-10-21", "2025-10-21", "Sev-3", "resolved", "Duplicate Slack alert messages",
     "2025-10-21T07:40:00Z", "2025-10-21T13:05:00Z", "eu-west;us-east", "alerts;notifications;slack", 3.1,
     "Alerts delivered to Slack posted the same message 2 to 4 times for 5 h 25 min; a retry treated slow Slack "
     "answers as failures. Fixed with an idempotency key per notification. No alert was lost.",
     "slack alert duplicate notification repeated message", "inc-2025-10-21-slack-alerts-duplicated"],
    ["INC-2025-11-18", "2025-11-18", "Sev-3", "resolved", "CSV imports corrupted non-UTF-8 files",
     "2025-10-14T00:00:00Z", "2025-11-20T17:30:00Z", "eu-west;us-east", "csv-upload;sources",
     2.4, "The 3.8 streaming CSV importer read every file as UTF-8, so Windows-1252 and ISO-8859-1 files lost "
     "accented characters from 2025-10-14 to 2025-11-19. Affected sources were re-imported from the original files; "
     "no data was lost.", "csv upload import encoding utf-8 accents characters corrupted",
     "inc-2025-11-18-csv-encoding-corruption"],
    ["INC-2026-01-27", "2026-01-27", "Sev-2", "resolved", "Duplicated Stripe source events",
     "2026-01-27T10:20:00Z", "2026-01-27T18:30:00Z", "eu-west;us-east", "stripe-source;sources;alerts", 6.5,
     "During a rolling deployment of the webhook receiver, Stripe events were stored twice for 4 h 35 min, so "
     "Stripe tiles (MRR, charges, new subscriptions) were inflated; duplicates were removed and sources re-synced "
     "by 18:30 UTC. Nobody was charged twice.", "stripe mrr revenue tiles inflated double duplicate events webhook",
     "inc-2026-01-27-stripe-webhooks-duplicated"],
    ["INC-2026-04-15", "2026-04-15", "Sev-3", "resolved", "Alert emails delayed",
     "2026-04-15T13:50:00Z", "2026-04-15T16:55:00Z", "eu-west;us-east", "alerts;notifications;email", 22.0,
     "Alert emails arrived up to 95 minutes late for about 3 hours after the email provider throttled the sending "
     "account; Slack alerts were on time. Alert email now has its own sending pool and a 50-recipient limit.",
     "alert email late delayed notification throttled", "inc-2026-04-15-alert-emails-delayed"],
    ["INC-2026-06-03", "2026-06-03", "Sev-2", "resolved",
     "Tidewater sync backlog for Postgres sources in eu-west", "2026-06-03T06:10:00Z", "2026-06-03T12:00:00Z",
     "eu-west", "tidewater;syncs;postgres", 9.0,
     "Large initial syncs filled the eu-west Postgres worker pool, so scheduled Postgres syncs started up to 3 hours "
     "late (max 2 h 58 min); boards showed stale numbers and some Sync now requests returned PB-5031.",
     "sync delayed stale data postgres tidewater queued backlog PB-5031", "inc-2026-06-03-tidewater-backlog"],
    ["INC-2026-07-23", "2026-07-23", "Sev-2", "resolved", "Rate limiter returned PB-4290 too early after 4.2",
     "2026-07-21T09:00:00Z", "2026-07-23T14:45:00Z", "eu-west;us-east", "api;rate-limiter", 11.0,
     "After 4.2 the API limiter allowed bursts of only one second's worth of requests, so clients got PB-4290 "
     "(HTTP 429) far below their per-minute limit; mitigated on 2026-07-23 at 14:45 UTC, fixed for good in 4.2.1.",
     "api 429 rate limit PB-4290 throttled Retry-After", "inc-2026-07-23-rate-limiter-early-429"],
    ["INC-2026-08-19", "2026-08-19", "Sev-1", "resolved", "Prism rendering failure after the 4.2.1 hot-fix",
     "2026-08-19T12:58:00Z", "2026-08-19T14:30:00Z", "eu-west;us-east", "prism;boards;share-links", 18.0,
     "A wrong asset manifest published with the 4.2.1 hot-fix left boards and share links blank for 47 minutes "
     "(12:58-13:45 UTC) for 18% of workspaces; rolled back to 4.2. Business and Enterprise workspaces affected are "
     "eligible for a 10% service credit for August.",
     "dashboard board blank empty tiles not loading prism share link outage", "inc-2026-08-19-prism-blank-boards"],
    ["INC-2026-10-02", "2026-10-02", "Sev-2", "resolved", "SSO sign-in failures for Okta customers after 4.3",
     "2026-10-02T08:00:00Z", "2026-10-02T10:10:00Z", "eu-west;us-east", "sso;okta;login", 3.2,
     "A SAML signing-certificate rotation broke Okta SSO for workspaces that had uploaded the certificate by hand; "
     "sign-in failed for 2 h 10 min until the old certificate was restored. Use the metadata URL; the new "
     "certificate switch is rescheduled for 2026-11-30.",
     "sso saml okta login sign-in certificate signature invalid", "inc-2026-10-02-okta-sso-failures"],
    ["INC-2026-11-12", "2026-11-12", "Sev-2", "resolved", "Upgraded workspaces kept old plan entitlements",
     "2026-11-12T02:00:00Z", "2026-11-12T10:15:00Z", "eu-west;us-east", "entitlements;billing;api;boards", 0.9,
     "Workspaces that changed plan between 02:00 and 09:40 UTC kept their old entitlements for up to 6 hours: "
     "\"Upgrade required\" on boards and tiles the new plan includes, and the API answered PB-1017 by mistake. Fixed "
     "by an entitlement cache flush at 09:40 UTC; billing was correct. No SLA credit; support may offer a goodwill "
     "credit of one week's fee.",
     "upgrade required after upgrading dashboard access locked entitlements plan change PB-1017 paused cache",
     "inc-2026-11-12-stale-entitlements"],
    ["INC-2026-11-18", "2026-11-18", "Sev-3", "investigating",
     "Google Sheets syncs fail in the early morning with quota errors", "2026-11-18T04:10:00Z", "",
     "eu-west;us-east", "tidewater;syncs;google-sheets", 1.4,
     "Since 2026-11-18 some Google Sheets syncs scheduled between 04:00 and 07:00 UTC fail with a Google API quota "
     "error and wait for the next scheduled sync, so tiles can show the previous day's values in the morning. "
     "Workaround: Sync now on the source after 07:00 UTC. Other source types are not affected. No post-mortem yet.",
     "google sheets spreadsheet sync stale yesterday old numbers morning quota", ""],
]
INCIDENT_ID = {row[0]: row for row in INCIDENTS}
CITIES = {
    "Portugal": ["Lisbon", "Porto", "Braga", "Coimbra", "Faro"], "United Kingdom": ["London", "Manchester", "Leeds",
    "Bristol", "Edinburgh"], "Germany": ["Berlin", "Munich", "Hamburg", "Cologne"], "France": ["Paris", "Lyon",
    "Nantes", "Lille"], "Spain": ["Madrid", "Barcelona", "Valencia", "Seville"], "Netherlands": ["Amsterdam",
    "Rotterdam", "Utrecht"], "Ireland": ["Dublin", "Cork", "Galway"], "Italy": ["Milan", "Turin", "Bologna"],
    "Poland": ["Warsaw", "Krakow", "Wroclaw"], "Sweden": ["Stockholm", "Gothenburg", "Malmo"], "Belgium": ["Brussels",
    "Ghent"], "Denmark": ["Copenhagen", "Aarhus"], "South Africa": ["Cape Town", "Johannesburg"],
    "United Arab Emirates": ["Dubai", "Abu Dhabi"], "Nigeria": ["Lagos"], "United States": ["New York", "Austin",
    "Chicago", "Seattle", "Boston", "Atlanta", "Denver", "San Diego"], "Canada": ["Toronto", "Montreal", "Vancouver",
    "Ottawa", "Calgary"], "Brazil": ["Sao Paulo", "Curitiba"], "Mexico": ["Mexico City", "Monterrey"],
    "Australia": ["Sydney", "Melbourne"], "India": ["Bengaluru", "Pune"], "Japan": ["Tokyo", "Osaka"],
    "Singapore": ["Singapore"],
}
MEMBERS_BY_PLAN = {"free": (1, 2), "starter": (1, 7), "team": (4, 19), "business": (12, 56), "enterprise": (35, 95)}
SOURCES_BY_PLAN = {"free": (1, 2), "starter": (1, 7), "team": (2, 12), "business": (3, 16), "enterprise": (4, 22)}
BOARDS_BY_PLAN = {"free": (1, 3), "starter": (2, 25), "team": (4, 90), "business": (10, 240),
                  "enterprise": (25, 420)}


def slugify(name: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in name.replace("&", "and"))
    return "-".join(part for part in out.split("-") if part)


def random_customer(rng: random.Random, customer_id: str, used_slugs: set[str]) -> dict:
    """One customer drawn under the extract's rules (the stories above are written by hand instead)."""
    while True:
        industry = rng.choice(list(INDUSTRIES))
        name = f"{rng.choice(PREFIXES)} {rng.choice(INDUSTRIES[industry])}"
        slug = slugify(name.replace(" Co.", ""))
        if slug not in used_slugs:
            break
    region = rng.choice(["eu-west", "us-east"])
    country = pick(rng, REGION_COUNTRIES[region])
    days = (dt.date(2026, 11, 15) - dt.date(2023, 3, 1)).days
    created = dt.date(2023, 3, 1) + dt.timedelta(days=int(days * rng.random() ** 0.7))
    final = pick(rng, [("free", 22), ("starter", 30), ("team", 28), ("business", 15), ("enterprise", 5)])
    cancelled = final == "free" and rng.random() < 0.15
    if final == "enterprise":
        late = created >= dt.date(2025, 5, 1)
        signup = "enterprise" if late or rng.random() < 0.5 else rng.choice(["free", "team", "business"])
    elif final == "free":
        signup = rng.choice(["starter", "team"]) if cancelled else "free"
    elif rng.random() < 0.5:
        signup = "free"
    else:
        signup = rng.choice([p for p in ("starter", "team", "business") if RANK[p] <= RANK[final]])
    path = [signup]
    for plan in ("starter", "team", "business", "enterprise"):
        if RANK[signup] < RANK[plan] < RANK[final] and rng.random() < 0.35:
            path.append(plan)
    downgrade = final in ("starter", "team") and rng.random() < 0.1
    if downgrade:
        path.append({"starter": "team", "team": "business"}[final])
    if path[-1] != final:
        path.append(final)
    if cancelled:
        path = [signup, "free"]
    steps = len(path) - 1
    span = (TODAY - dt.timedelta(days=2) - created).days
    moments = sorted(rng.sample(range(1, max(span, steps + 1)), steps)) if steps else []
    changes = []
    for (old, new), offset in zip(zip(path, path[1:]), moments):
        when = midnight(created + dt.timedelta(days=offset)) + dt.timedelta(seconds=rng.randrange(6 * 3600, 22 * 3600))
        kind = "upgrade" if RANK[new] > RANK[old] else ("cancellation" if new == "free" else "downgrade")
        changes.append([when, kind, old, new, 0, ""])
    paid_start = created if signup != "free" else next((c[0].date() for c in changes if c[2] == "free"), None)
    cycle = "monthly"
    if final == "enterprise":
        cycle = "contract"
    elif final != "free" or cancelled:
        cycle = "annual" if rng.random() < 0.3 else "monthly"
    members = rng.randint(*MEMBERS_BY_PLAN[final])
    return dict(customer_id=customer_id, company_name=name, workspace_slug=slug, region=region, country=country,
                city=rng.choice(CITIES[country]), industry=industry, created_at=created.isoformat(),
                signup_plan=signup, cycle=cycle, anchor=paid_start, members=members,
                ghosts=rng.choice([0, 0, 0, 1, 2, 3]) if final != "free" and members > 3 else 0,
                changes=[tuple(c) for c in changes], random=True,
                sso=pick(rng, SSO_PROVIDERS) if final in ("business", "enterprise") and rng.random() < 0.6 else "")


# ---------------------------------------------------------------------------------------------------- history
class Account:
    """One customer while it is being written out: its plan history, billing periods and derived rows."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.id = spec["customer_id"]
        self.created = dt.date.fromisoformat(spec["created_at"])
        self.cycle = spec["cycle"]
        self.anchor = spec.get("anchor")
        self.changes = []  # dicts, in effective order
        for when, kind, old, new, delta, note in spec["changes"]:
            requested = spec.get("requested", {}).get(when, when)
            self.changes.append(dict(requested=requested, effective=when, kind=kind, old=old, new=new,
                                     delta=delta, note=note))
        if spec.get("random"):
            self._snap_random_changes()

    # -- periods
    def period_starts(self, until: dt.date) -> list[dt.date]:
        if not self.anchor:
            return []
        step = 1 if self.cycle == "monthly" else 12
        out, k = [], 0
        while (start := add_months(self.anchor, k * step)) <= until:
            out.append(start)
            k += 1
        return out

    def period_end(self, start: dt.date) -> dt.date:
        """The next period start (periods are counted from the anchor, so 31 Jan -> 28 Feb -> 31 Mar)."""
        step = 1 if self.cycle == "monthly" else 12
        k = 0
        while add_months(self.anchor, k * step) < start:
            k += 1
        assert add_months(self.anchor, k * step) == start, "not a period start"
        return add_months(self.anchor, (k + 1) * step)

    def _snap_random_changes(self) -> None:
        """Downgrades and cancellations take effect at the end of the billing period (data/kb/pol-plan-limits-*)."""
        for change in self.changes:
            if change["kind"] in ("downgrade", "cancellation"):
                requested = change["requested"]
                later = [p for p in self.period_starts(requested.date() + dt.timedelta(days=400))
                         if midnight(p) > requested]
                change["effective"] = midnight(later[0])
        if self.spec["signup_plan"] == "enterprise" or any(c["new"] == "enterprise" for c in self.changes):
            to_ent = next((c for c in self.changes if c["new"] == "enterprise"), None)
            self.anchor = to_ent["effective"].date() if to_ent else self.created

    def plan_at(self, moment: dt.datetime) -> str:
        plan = self.spec["signup_plan"]
        for change in self.changes:
            if change["effective"] <= moment and change["kind"] not in ("seats_added", "reactivation"):
                plan = change["new"]
        return plan

    def extras_at(self, moment: dt.datetime) -> int:
        return sum(c["delta"] for c in self.changes if c["kind"] == "seats_added" and c["effective"] <= moment)

    @property
    def plan(self) -> str:
        return self.plan_at(SNAPSHOT)


def plan_change_moments_ok(account: Account) -> bool:
    """Random histories must put enterprise moves before 2025-06 (older than any invoice in the extract)."""
    for change in account.changes:
        if change["new"] == "enterprise" and change["effective"] >= dt.datetime(2025, 6, 1):
            return False
    return True


# ---------------------------------------------------------------------------------------------------- rows
class Writer:
    """Collects the rows of every table while accounts are written out."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.customers, self.subscriptions, self.members, self.sources = [], [], [], []
        self.invoices, self.changes, self.impacts = [], [], []
        self.member_seq, self.source_seq, self.change_seq = 100000, 200000, 5000

    # -- people
    def _person(self, used: set[str], given: str | None = None) -> str:
        if given:
            used.add(given)
            return given
        while True:
            name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
            if name not in used:
                used.add(name)
                return name

    def add_members(self, acc: Account, slug: str, count: int, ghosts: int) -> None:
        rng, used = self.rng, set()
        owner = self._person(used, acc.spec.get("owner"))
        people = [(owner, "Owner")]
        if count >= 3 and (acc.spec.get("billing_manager") or (acc.plan != "free" and rng.random() < 0.5)):
            people.append((self._person(used, acc.spec.get("billing_manager")), "Billing manager"))
        admins = 0 if count < 4 else min(3, 1 + count // 15)
        people += [(self._person(used), "Admin") for _ in range(admins)]
        while len(people) < count:
            people.append((self._person(used), rng.choice(["Editor", "Editor", "Viewer"])))
        candidates = [i for i, (_, role) in enumerate(people) if role in ("Editor", "Viewer")]
        ghost_slots = candidates[-ghosts:] if ghosts else []
        emails = set()
        for i, (name, role) in enumerate(people):
            joined = acc.created if role == "Owner" else acc.created + dt.timedelta(
                days=rng.randrange(0, max(1, (TODAY - acc.created).days)))
            deactivated = None
            if i in ghost_slots:
                deactivated = joined + dt.timedelta(days=rng.randrange(0, max(1, (TODAY - joined).days)))
            local = ".".join(part.lower() for part in name.replace("'", "").split())
            email, n = f"{local}@{slug}.example", 2
            while email in emails:
                email, n = f"{local}{n}@{slug}.example", n + 1
            emails.add(email)
            self.member_seq += self.rng.randint(1, 9)
            self.members.append(dict(member_id=f"M-{self.member_seq}", customer_id=acc.id, full_name=name,
                                     email=email, role=role, status="deactivated" if deactivated else "active",
                                     joined_at=ds(joined), deactivated_at=ds(deactivated)))

    def add_sources(self, acc: Account, plan: str) -> list[dict]:
        rng, rows = self.rng, []
        given = acc.spec.get("sources")
        if given is None:
            low, high = SOURCES_BY_PLAN[plan]
            limit = PLAN[plan]["source_limit"]
            count = min(rng.randint(low, high), limit if limit != "" else 99)
            given = []
            for _ in range(count):
                kind = pick(rng, SOURCE_TYPES)
                created = acc.created + dt.timedelta(days=rng.randrange(0, max(1, (TODAY - acc.created).days)))
                given.append((kind, rng.choice(SOURCE_NAMES[kind]), created.isoformat()))
        names = set()
        for kind, name, created in sorted(given, key=lambda g: g[2]):
            base, n = name, 2
            while name in names:
                name, n = f"{base} {n}", n + 1
            names.add(name)
            self.source_seq += rng.randint(1, 7)
            row = dict(source_id=f"SRC-{self.source_seq}", customer_id=acc.id, source_type=kind, name=name,
                       created_at=created)
            rows.append(row)
            self.sources.append(row)
        return rows


def seats_for(plan: str, members: int, contract_seats: int | None) -> tuple[int, int]:
    """(seats included, extra seats billed): extra seats are added as soon as the included ones are taken."""
    if plan == "enterprise":
        return contract_seats, 0
    included = PLAN[plan]["seats_included"]
    return included, max(0, members - included) if plan != "free" else 0


def write_account(acc: Account, w: Writer) -> None:
    rng, spec = w.rng, acc.spec
    plan = acc.plan
    members = min(spec["members"], 2) if plan == "free" else spec["members"]
    contract = None
    contract_seats = None
    if plan == "enterprise":
        contract_seats = (members // 10 + 2) * 10
        contract = float(rng.randrange(180, 960) * 100)
    included, extra = seats_for(plan, members, contract_seats)
    if extra and not any(c["kind"] == "seats_added" for c in acc.changes):
        last = max([c["effective"] for c in acc.changes if c["effective"] <= SNAPSHOT] + [midnight(acc.anchor)])
        when = spec.get("seats_added_at") or last + dt.timedelta(
            seconds=rng.randrange(86400, max(86401, int((SNAPSHOT - last).total_seconds()) - 86400)))
        when = min(when, SNAPSHOT - dt.timedelta(hours=1))
        acc.changes.append(dict(requested=when, effective=when, kind="seats_added", old=plan, new=plan, delta=extra,
                                note=""))
    # dunning: a failed renewal (past_due), a suspension after 3 retries, or a suspension settled later
    periods = acc.period_starts(TODAY)
    past_due, suspended, reactivated = spec.get("past_due"), spec.get("suspended"), spec.get("reactivated")
    if spec.get("random") and acc.cycle == "monthly" and plan != "free" and periods:
        last = periods[-1]
        if TODAY - dt.timedelta(days=10) < last <= TODAY and rng.random() < 0.12:
            past_due = last
        elif TODAY - dt.timedelta(days=30) < last <= TODAY - dt.timedelta(days=11) and rng.random() < 0.06:
            suspended = last
    if reactivated:
        failed_on, paid = reactivated
        acc.changes.append(dict(requested=paid, effective=paid, kind="reactivation", old=plan, new=plan, delta=0,
                                note=f"Overdue invoice paid; workspace suspended since "
                                     f"{failed_on + dt.timedelta(days=10)} reactivated."))
    acc.changes.sort(key=lambda c: c["effective"])

    # invoices
    chosen = [p for p in periods if p >= INVOICE_HORIZON] if acc.cycle == "monthly" else periods[-2:]
    first_paid_change = next((c for c in acc.changes if c["old"] == "free" and c["kind"] == "upgrade"), None)
    method = spec.get("payment_method") or (
        "bank_transfer" if acc.cycle == "contract" else
        rng.choice(["card", "card", "card", "sepa_debit"] if spec["region"] == "eu-west" else ["card"]))
    if plan == "free" and not acc.changes:
        method = ""
    invoices = []
    for p in chosen:
        if suspended and p > suspended:
            break
        if first_paid_change and first_paid_change["effective"].date() == p:
            moment = first_paid_change["effective"]
        elif spec.get("duplicate_monthly") == p:   # the first invoice of that day (its number is pinned)
            moment = midnight(p) + dt.timedelta(seconds=30)
        elif p == acc.created and spec["signup_plan"] != "free":
            moment = midnight(p) + dt.timedelta(seconds=rng.randrange(8 * 3600, 18 * 3600))
        else:
            moment = midnight(p) + dt.timedelta(seconds=rng.randrange(300, 3000))
        period_plan = acc.plan_at(moment)
        if period_plan == "free":
            continue
        amount = period_price(period_plan, acc.cycle, acc.extras_at(moment), p, contract)
        inv = dict(customer_id=acc.id, issued=moment, kind="subscription", period_start=p,
                   period_end=acc.period_end(p), amount=amount, status="paid", attempts=1, paid=None, note="")
        if method == "bank_transfer":
            inv["paid"] = moment + dt.timedelta(days=rng.randint(3, 15), seconds=rng.randrange(3600, 60000))
        else:
            inv["paid"] = moment + dt.timedelta(seconds=rng.randrange(2, 90))
        if inv["paid"] > SNAPSHOT:
            inv.update(status="open", paid=None)
        if p == past_due:
            retries = sum(1 for d in (3, 6) if p + dt.timedelta(days=d) <= TODAY)
            inv.update(status="past_due", attempts=1 + retries, paid=None,
                       note=f"Retries on day 3, 6 and 10; suspension on {p + dt.timedelta(days=10)} if all fail.")
        if p == suspended:
            inv.update(status="unpaid", attempts=4, paid=None,
                       note=f"3 retries failed; workspace suspended on {p + dt.timedelta(days=10)}.")
        if reactivated and p == reactivated[0]:
            inv.update(status="paid", attempts=5, paid=reactivated[1],
                       note="Paid after the workspace was suspended.")
            acc.changes[[c["kind"] for c in acc.changes].index("reactivation")]["invoice"] = inv
        if first_paid_change and first_paid_change["effective"] == moment:
            first_paid_change["invoice"] = inv
        invoices.append(inv)
        dup = spec.get("duplicate_monthly") == p or (spec.get("duplicate_renewal") and p == periods[-1])
        if dup:
            twin = dict(inv, issued=moment + dt.timedelta(seconds=rng.randrange(20, 200)), note="")
            twin["paid"] = twin["issued"] + dt.timedelta(seconds=rng.randrange(2, 90))
            twin["twin_of"] = inv
            invoices.append(twin)
    for change in acc.changes:
        if change["effective"] < midnight(INVOICE_HORIZON) or change["effective"] > SNAPSHOT:
            continue
        if change["kind"] == "seats_added" or (change["kind"] == "upgrade" and change["old"] != "free"):
            p0 = max(p for p in periods if midnight(p) <= change["effective"])
            end = acc.period_end(p0)
            fraction = (midnight(end) - change["effective"]) / (midnight(end) - midnight(p0))
            extras_before = acc.extras_at(change["effective"] - dt.timedelta(seconds=1))
            before = period_price(change["old"], acc.cycle, extras_before, p0, contract)
            after = period_price(change["new"], acc.cycle, acc.extras_at(change["effective"]), p0, contract)
            inv = dict(customer_id=acc.id, issued=change["effective"] + dt.timedelta(seconds=rng.randrange(1, 30)),
                       kind="proration", period_start=change["effective"].date(), period_end=end,
                       amount=round((after - before) * fraction, 2), status="paid", attempts=1, paid=None,
                       note=("extra seats" if change["kind"] == "seats_added" else
                             f"{PLAN[change['old']]['name']} -> {PLAN[change['new']]['name']}, pro rata"))
            inv["paid"] = inv["issued"] + dt.timedelta(seconds=rng.randrange(2, 60))
            change["invoice"] = inv
            invoices.append(inv)
    w.invoices += invoices

    # entitlements and the 2026-11-12 incident
    for change in acc.changes:
        eff = change["effective"]
        if eff > SNAPSHOT:
            change["applied"] = None
        elif ENT_WINDOW[0] <= eff < ENT_WINDOW[1]:
            given = spec.get("entitlements", {}).get(eff)
            if given is None:   # stale until the 6-hour cache entry expired or the 09:40 flush, whichever first
                given = min(eff + dt.timedelta(seconds=rng.randrange(3600, int(ENT_TTL.total_seconds()))),
                            ENT_WINDOW[1])
            change["applied"] = given
            minutes = int((change["applied"] - eff).total_seconds() // 60)
            w.impacts.append(dict(incident_id="INC-2026-11-12", customer_id=acc.id,
                                  detail=f"{change['kind'].replace('_', ' ')} at {eff:%H:%M} UTC; old entitlements "
                                         f"until {change['applied']:%H:%M} UTC ({minutes} min)"))
        else:
            change["applied"] = eff + dt.timedelta(seconds=rng.randrange(1, 40))
        change["customer_id"] = acc.id
        w.changes.append(change)

    # the customer, the subscription, members, sources
    slug = spec["workspace_slug"]
    board_limit = PLAN[plan]["board_limit"]
    boards = spec.get("board_count")
    if boards is None:
        low, high = BOARDS_BY_PLAN[plan]
        boards = rng.randint(low, high)
        if board_limit != "":
            boards = min(boards, board_limit)
            downgraded = any(c["kind"] in ("downgrade", "cancellation") and c["effective"] <= SNAPSHOT
                             for c in acc.changes)
            if downgraded and rng.random() < 0.5:
                boards = board_limit + rng.randint(1, 8)
    w.customers.append(dict(customer_id=acc.id, company_name=spec["company_name"], workspace_slug=slug,
                            region=spec["region"], country=spec["country"], city=spec["city"],
                            industry=spec["industry"], created_at=spec["created_at"],
                            signup_plan=spec["signup_plan"], sso_provider=spec.get("sso", ""),
                            canary_ring=int(rng.random() < 0.05), board_count=boards))
    current = [p for p in periods if midnight(p) <= SNAPSHOT]
    start = current[-1] if current and plan != "free" else None
    end = acc.period_end(start) if start else None
    plan_at_end = acc.plan_at(midnight(end)) if end else plan
    cancel = bool(end) and plan_at_end == "free"
    w.subscriptions.append(dict(
        subscription_id=f"SUB-{acc.id[2:]}", customer_id=acc.id, plan_id=plan,
        billing_cycle="none" if plan == "free" else acc.cycle, status=(
            "suspended" if suspended else "past_due" if past_due else "active"),
        started_at=spec["created_at"], current_period_start=ds(start), current_period_end=ds(end),
        renewal_price_usd=period_price(plan_at_end, acc.cycle, seats_for(plan_at_end, members, contract_seats)[1],
                                       end, contract) if end else 0.0,
        extra_seats=extra, contract_seats=contract_seats or "", contract_value_usd=contract or "",
        cancel_at_period_end=int(cancel), past_due_since=ds(past_due),
        suspended_at=ds(suspended + dt.timedelta(days=10) if suspended else None),
        payment_method=method if plan != "free" else ""))
    w.add_members(acc, slug, members, min(spec.get("ghosts", 0), max(0, members - 2)))
    sources = w.add_sources(acc, plan)
    acc.sources = sources


# ---------------------------------------------------------------------------------------------------- incidents
def random_impacts(acc: Account, w: Writer) -> None:
    """Which incidents touched a drawn customer: only ones it could have seen (region, sources, plan, dates)."""
    rng, spec, eu = w.rng, acc.spec, acc.spec["region"] == "eu-west"

    def has(kind: str, before: str) -> bool:
        return any(s["source_type"] == kind and s["created_at"] < before for s in acc.sources)

    def existed(day: str) -> bool:
        return spec["created_at"] < day

    def plan_on(day: str) -> str:
        return acc.plan_at(midnight(dt.date.fromisoformat(day)) + dt.timedelta(hours=12))

    prism_credit = plan_on("2026-08-19") in ("business", "enterprise")
    rules = [
        ("INC-2025-10-21", existed("2025-10-21") and rng.random() < 0.06,
         "Slack alert messages posted 2 to 4 times (07:40-13:05 UTC)."),
        ("INC-2025-11-18", has("csv", "2025-11-19") and rng.random() < (0.35 if eu else 0.08),
         "A non-UTF-8 CSV upload lost accented characters; the source was re-imported on 2025-11-20."),
        ("INC-2026-01-27", has("stripe", "2026-01-27") and rng.random() < 0.9,
         "Stripe tiles inflated by duplicated events (10:20-18:30 UTC)."),
        ("INC-2026-04-15", existed("2026-04-15") and rng.random() < 0.12,
         "Alert emails arrived up to 95 minutes late."),
        ("INC-2026-06-03", eu and has("postgres", "2026-06-03") and rng.random() < 0.31,
         "Postgres syncs in eu-west delayed by up to 3 hours."),
        ("INC-2026-07-23", existed("2026-07-21") and plan_on("2026-07-23") != "free"
         and rng.random() < (0.15 if plan_on("2026-07-23") in ("starter", "team") else 0.05),
         "API clients received PB-4290 below their per-minute limit."),
        ("INC-2026-08-19", existed("2026-08-19") and rng.random() < (0.21 if eu else 0.15),
         "Boards blank for 47 minutes (12:58-13:45 UTC)." + (
             " Eligible for a 10% service credit of the August fee." if prism_credit else "")),
        ("INC-2026-10-02", spec.get("sso") == "Okta" and plan_on("2026-10-02") in ("business", "enterprise")
         and existed("2026-10-02") and rng.random() < 0.58,
         "Okta SSO sign-in failed for 2 h 10 min (08:00-10:10 UTC)."),
        ("INC-2026-11-18", has("google_sheets", "2026-11-18") and rng.random() < 0.2,
         "Early-morning Google Sheets syncs failing with quota errors since 2026-11-18."),
    ]
    for incident_id, hit, detail in rules:
        if hit:
            w.impacts.append(dict(incident_id=incident_id, customer_id=acc.id, detail=detail))


def number_invoices(invoices: list[dict], rng: random.Random) -> None:
    """INV-YYYY-NNNNNN in issue order. The extract is a sample of all customers, so numbers have gaps; the pace
    (about 16.5 invoices a day in 2026) puts 2026-11-03 at INV-2026-005102, as the tickets say."""
    pinned = {}
    for inv in invoices:
        if (inv["customer_id"], inv["kind"], inv["period_start"]) == ("C-20931", "subscription", dt.date(2026, 11, 3)):
            pinned[id(inv)] = 5103 if "twin_of" in inv else 5102
    taken = set(pinned.values()) | {int(r[-6:]) for r in RESERVED_INVOICES}
    last = {}
    for inv in sorted(invoices, key=lambda i: (i["issued"].date(), id(i) not in pinned, i["issued"], i["customer_id"])):
        year = inv["issued"].year
        if id(inv) in pinned:
            number = pinned[id(inv)]
            assert number > last.get(year, 0), f"pinned {number} after {last.get(year)} on {inv['issued']}"
        else:
            pace = 16.55 if year == 2026 else 15.9
            number = max(last.get(year, 0) + 1 + rng.randint(0, 2), int(inv["issued"].timetuple().tm_yday * pace))
            while number in taken:
                number += 1
        last[year] = number
        inv["invoice_id"] = f"INV-{year}-{number:06d}"
    for inv in invoices:
        if "twin_of" in inv:
            inv["note"] = f"Duplicate charge: same period already paid with {inv['twin_of']['invoice_id']}."


# ---------------------------------------------------------------------------------------------------- main
def write_csv(name: str, columns: list[str], rows: list[dict]) -> None:
    with open(OUT / name, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def money(value) -> str:
    return "" if value in ("", None) else f"{float(value):.2f}"


def main(n_random: int = 300, seed: int = 20261124) -> dict[str, int]:
    rng = random.Random(seed)
    w = Writer(rng)
    used_ids = {s["customer_id"] for s in STORIES}
    used_slugs = {s["workspace_slug"] for s in STORIES}
    accounts = [Account(spec) for spec in STORIES]
    while len(accounts) < len(STORIES) + n_random:
        number = rng.randrange(10000, 40000)
        cid = f"C-{number}"
        if cid in used_ids or cid in ("C-10482",):  # C-10482 is WORLD.md's example id
            continue
        spec = random_customer(rng, cid, used_slugs)
        acc = Account(spec)
        if not plan_change_moments_ok(acc):
            continue
        used_ids.add(cid)
        used_slugs.add(spec["workspace_slug"])
        accounts.append(acc)
    story_impacts = []
    for acc in accounts:
        write_account(acc, w)
        if acc.spec.get("random"):
            random_impacts(acc, w)
        for incident_id, detail in acc.spec.get("impacts", {}).items():
            story_impacts.append(dict(incident_id=incident_id, customer_id=acc.id, detail=detail))
    w.impacts += story_impacts
    if not any(i["customer_id"] == "C-30417" and i["incident_id"] == "INC-2026-11-18" for i in w.impacts):
        w.impacts.append(dict(incident_id="INC-2026-11-18", customer_id="C-30417",
                              detail="Morning syncs of 'Shop sales sheet' failing with quota errors since 2026-11-19."))
    number_invoices(w.invoices, rng)
    for change in sorted(w.changes, key=lambda c: (c["effective"], c["customer_id"])):
        w.change_seq += rng.randint(1, 6)
        change["change_id"] = f"CH-{w.change_seq}"

    write_csv("plans.csv", PLAN_COLUMNS, [dict(zip(PLAN_COLUMNS, row)) for row in PLANS])
    customers = sorted(w.customers, key=lambda r: r["customer_id"])
    write_csv("customers.csv", list(customers[0]), customers)
    subs = sorted(w.subscriptions, key=lambda r: r["subscription_id"])
    for row in subs:
        row["renewal_price_usd"] = money(row["renewal_price_usd"])
        row["contract_value_usd"] = money(row["contract_value_usd"])
    write_csv("subscriptions.csv", list(subs[0]), subs)
    write_csv("members.csv", list(w.members[0]), sorted(w.members, key=lambda r: r["member_id"]))
    write_csv("sources.csv", list(w.sources[0]), sorted(w.sources, key=lambda r: r["source_id"]))
    invoice_rows = [dict(invoice_id=i["invoice_id"], customer_id=i["customer_id"],
                         subscription_id=f"SUB-{i['customer_id'][2:]}", issued_at=ts(i["issued"]), kind=i["kind"],
                         period_start=ds(i["period_start"]), period_end=ds(i["period_end"]),
                         amount_usd=money(i["amount"]), status=i["status"], attempts=i["attempts"],
                         paid_at=ts(i["paid"]), note=i["note"]) for i in w.invoices]
    invoice_rows.sort(key=lambda r: r["invoice_id"])
    write_csv("invoices.csv", list(invoice_rows[0]), invoice_rows)
    change_rows = [dict(change_id=c["change_id"], customer_id=c["customer_id"], requested_at=ts(c["requested"]),
                        effective_at=ts(c["effective"]), change_type=c["kind"], from_plan=c["old"], to_plan=c["new"],
                        seats_delta=c["delta"], invoice_id=c["invoice"]["invoice_id"] if "invoice" in c else "",
                        entitlements_applied_at=ts(c["applied"]), note=c["note"])
                   for c in w.changes]
    change_rows.sort(key=lambda r: r["change_id"])
    write_csv("upgrade_history.csv", list(change_rows[0]), change_rows)
    write_csv("incidents.csv", INCIDENT_COLUMNS, [dict(zip(INCIDENT_COLUMNS, row)) for row in INCIDENTS])
    impacts = sorted(w.impacts, key=lambda r: (r["incident_id"], r["customer_id"]))
    write_csv("incident_impacts.csv", ["incident_id", "customer_id", "detail"], impacts)
    return {"customers": len(customers), "subscriptions": len(subs), "members": len(w.members),
            "sources": len(w.sources), "invoices": len(invoice_rows), "upgrade_history": len(change_rows),
            "incidents": len(INCIDENTS), "incident_impacts": len(impacts)}


if __name__ == "__main__":
    for table, count in main().items():
        print(f"{table:18} {count:5}")
