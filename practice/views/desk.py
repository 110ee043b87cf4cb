"""Which location, and which therapist group, Today and the day calendar show.

A chain of four locations and a hundred therapists does not read one list of
everyone: each desk works one location (remembered per user), and beyond
`calendar.GROUP_SIZE` therapists there a group, or those working now.
"""

from dataclasses import dataclass

from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from practice import calendar, selectors, services
from practice.models import Location
from practice.timezones import practice_locations


@dataclass
class DeskChoice:
    locations: list
    location: Location | None
    stored_location_id: int | None
    stored_group: str


@dataclass
class DeskScope:
    roster: selectors.Roster
    groups: list  # of calendar.TherapistGroup; [] when everyone shows
    group: calendar.TherapistGroup | None

    @property
    def therapist_ids(self):
        return None if self.group is None else self.group.ids


def desk_location(request, *, remember: bool = True) -> DeskChoice:
    """All locations and the one to show: ?location=, else the user's last, else the first."""
    locations = practice_locations()
    stored_location_id, stored_group = selectors.desk_view_of(request.user)
    by_id = {str(loc.pk): loc for loc in locations}
    location = (
        by_id.get(request.GET.get("location", ""))
        or by_id.get(str(stored_location_id))
        or (locations[0] if locations else None)
    )
    choice = DeskChoice(locations, location, stored_location_id, stored_group)
    if remember and "location" in request.GET:
        _remember(request, choice, stored_group)
    return choice


def desk_scope(request, choice: DeskChoice, *, day, now=None, showing=None) -> DeskScope:
    """The day's therapists at the chosen location and the group shown.

    `showing`: a therapist who must be visible (the one an appointment was
    just moved to), whose group is taken when the chosen one lacks them."""
    roster = selectors.day_roster(location=choice.location, day=day, now=now)
    names = [(tid, name) for tid, name, _ in roster.therapists]
    groups = calendar.therapist_groups(names, roster.working_now)
    asked = request.GET.get("group", "")
    group = calendar.choose_group(groups, asked or choice.stored_group)
    if group is not None and showing is not None and showing not in group.ids:
        group = next((g for g in groups if showing in g.ids), group)
    if asked and group is not None and group.key == asked:
        _remember(request, choice, asked)
    return DeskScope(roster=roster, groups=groups, group=group)


def _remember(request, choice: DeskChoice, group: str):
    location_id = choice.location.pk if choice.location else None
    if (location_id, group) != (choice.stored_location_id, choice.stored_group):
        services.desk_view_remember(user=request.user, location=choice.location, group=group)
        choice.stored_location_id, choice.stored_group = location_id, group


def render_region(request, page, region, context):
    """The whole page, or only the swapped region for an htmx navigation."""
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, region if partial else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
