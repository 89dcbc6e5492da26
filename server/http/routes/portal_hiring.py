"""Hiring in the portal, read-only (and the JSON twins): the region's open
postings per facility with their applicants' stages and the hires still waiting
for onboarding (``/portal/hiring``), and one facility's postings, applicants and
hires (``/portal/facilities/{id}/hiring``). Postings, applicants, stages and
onboarding items are written at the facility's terminals, never here
(:mod:`server.portal.hiring`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from server.http.access import Access
from server.http.portal.context import principal, read
from server.http.portal.pages import page
from server.portal import hiring
from server.portal.hiring import FacilityHiring

routes = web.RouteTableDef()


def _posting(group: Any) -> dict[str, Any]:
    return {**asdict(group), "stage_counts": group.stage_counts}


def _facility(found: FacilityHiring, *, every_posting: bool) -> dict[str, Any]:
    postings = found.postings if every_posting else found.open_postings
    return {"facility": found.facility, "postings": [_posting(g) for g in postings],
            "hires": [{**asdict(h), "ready": h.ready}
                      for h in (found.hires if every_posting else found.waiting)]}


@page(routes, "/portal/hiring", "hiring.html", Access.ACCOUNT)
async def region(request: web.Request) -> dict[str, Any]:
    found = await read(request, hiring.region_hiring, principal(request))
    return {"title": "Hiring", "facilities": [_facility(f, every_posting=False)
                                              for f in found]}


@page(routes, "/portal/facilities/{facility_id}/hiring", "facility_hiring.html",
      Access.ACCOUNT)
async def facility(request: web.Request) -> dict[str, Any]:
    found = await read(request, hiring.facility_hiring, principal(request),
                       request.match_info["facility_id"])
    return {"title": f"Hiring — {found.facility.name}", **_facility(found, every_posting=True)}
