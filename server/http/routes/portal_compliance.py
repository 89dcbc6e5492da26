"""Compliance settings in the portal: a facility's (profile, day start, DON
occupancy method, PBJ facility id, licensed beds) for an administrator or the
regional manager of the facility, and the staffing profiles themselves for
administrators (a profile is shared by every facility that uses it). Forms
carry the CSRF token (the guard checks it); each change is audited under the
account's name, and the facilities' terminals receive it at their next sync —
the very functions ``chartkeep-server set-facility`` and ``put-profile`` run."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from protocol.rules.staffing.rn_coverage import OCCUPANCY_WORDS, OccupancyMethod
from server.errors import AdminError, ServerError
from server.http.access import Access, access
from server.http.portal import forms, sessions
from server.http.portal.context import call, principal, read
from server.http.portal.pages import page, render, see_other
from server.portal import management, scope
from server.portal.errors import InputInvalid

routes = web.RouteTableDef()
FACILITY = "/portal/facilities/{facility_id}"
FIELDS = ("profile", "day_start", "occupancy_method", "pbj_facility_id", "beds_from", "beds")


async def _compliance(request: web.Request) -> dict[str, Any]:
    who, facility_id = principal(request), request.match_info["facility_id"]
    ref = await read(request, scope.facility, who, facility_id)
    current, offered = await call(request, lambda engine, _settings: management.compliance(
        engine, who, facility_id))
    return {
        "title": f"Compliance settings — {ref.name}", "facility": ref,
        "compliance": {
            "profile": current.profile.key, "profile_name": current.profile.name,
            "day_start": f"{current.day_start:%H:%M}",
            "occupancy_method": str(current.occupancy_method),
            "pbj_facility_id": current.pbj_facility_id or "",
            "bed_counts": [{"start": c.start.isoformat(), "beds": c.beds}
                           for c in current.bed_counts],
            "waivers": [{"start": w.start.isoformat(), "end": w.end.isoformat(),
                         "note": w.note} for w in current.waivers]},
        "profiles": [{"key": p.key, "name": p.name, "informational": p.informational}
                     for p in sorted(offered.values(), key=lambda p: p.key)],
        "occupancy_methods": [{"key": str(m), "words": OCCUPANCY_WORDS[m]}
                              for m in OccupancyMethod],
    }


@page(routes, FACILITY + "/compliance", "compliance.html", Access.ACCOUNT)
async def compliance_page(request: web.Request) -> dict[str, Any]:
    return await _compliance(request)


@routes.post(FACILITY + "/compliance")
@access(Access.ACCOUNT)
async def set_compliance(request: web.Request) -> web.Response:
    form = await forms.read(request)
    typed = {name: forms.text(form, name, limit=100, required=False) for name in FIELDS}
    facility_id = request.match_info["facility_id"]
    try:
        await call(request, management.set_compliance, principal(request),
                   facility_id=facility_id, **typed)
    except (AdminError, InputInvalid) as exc:
        if exc.status == 404:
            raise
        data = await _compliance(request)
        return await render(request, "compliance.html",
                            {**data, "error": exc.detail, "typed": typed}, status=400)
    await sessions.flash(request, "Compliance settings saved; the facility's terminals "
                         "receive them at their next sync.")
    return see_other(f"/portal/facilities/{facility_id}/compliance")


@page(routes, "/portal/profiles", "profiles.html", Access.ADMINISTRATOR)
async def profiles_page(request: web.Request) -> dict[str, Any]:
    offered = await call(request, lambda engine, _s: management.profiles(
        engine, principal(request)))
    return {"title": "Staffing profiles", "profiles": [
        {"key": p.key, "name": p.name, "state": p.state, "informational": p.informational,
         "citation": p.citation} for p in sorted(offered.values(), key=lambda p: p.key)]}


async def _profile(request: web.Request) -> dict[str, Any]:
    offered = await call(request, lambda engine, _s: management.profiles(
        engine, principal(request)))
    key = request.match_info["key"]
    if key not in offered:
        raise web.HTTPNotFound
    data = offered[key].to_dict()
    return {"title": f"Staffing profile {offered[key].name}", "key": key, "profile": data,
            "_text": json.dumps(data, indent=2, ensure_ascii=False)}


@page(routes, "/portal/profiles/{key}", "profile.html", Access.ADMINISTRATOR)
async def profile_page(request: web.Request) -> dict[str, Any]:
    return await _profile(request)


@routes.post("/portal/profiles/{key}")
@access(Access.ADMINISTRATOR)
async def put_profile(request: web.Request) -> web.Response:
    form = await forms.read(request)
    text = forms.text(form, "profile", limit=100_000, label="The profile")
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("key") != request.match_info["key"]:
            raise InputInvalid("profile", "The profile is a JSON object with this "
                               "profile's key.")
        await call(request, management.put_profile, principal(request), data)
    except (ValueError, ServerError) as exc:
        if isinstance(exc, ServerError) and exc.status == 404:
            raise
        detail = exc.detail if isinstance(exc, ServerError) else f"Not JSON: {exc}"
        found = await _profile(request)
        return await render(request, "profile.html", {**found, "error": detail,
                                                      "_text": text}, status=400)
    await sessions.flash(request, "Profile saved; every facility using it receives it at "
                         "its next sync.")
    return see_other(f"/portal/profiles/{request.match_info['key']}")
