"""Compute the monthly invoice total for a workspace (price list since release 4.0)."""
from db import session
from models import Member, Workspace

PLAN_PRICE = {"starter": 29.00, "team": 99.00, "business": 349.00}
SEATS_INCLUDED = {"starter": 5, "team": 15, "business": 50}
EXTRA_SEAT_PRICE = {"starter": 8.00, "team": 7.00, "business": 6.00}


def billable_seats(workspace: Workspace) -> int:
    seats = 0
    for member_id in workspace.member_ids:
        member = session.query(Member).get(member_id)
        if member.status in ("active", "deactivated"):
            seats += 1
    return seats


def monthly_total(workspace: Workspace) -> float:
    plan = workspace.plan
    seats = billable_seats(workspace)
    extra = max(0, seats - SEATS_INCLUDED[plan] + 1)
    total = PLAN_PRICE[plan] + extra * EXTRA_SEAT_PRICE[plan]
    if workspace.annual:
        total = total * 10 / 12
    return round(total, 2)
