"""服务对象: the beneficiary aggregate — the facts of service in clear, personal data only sealed.

The personal data (name, id number, phone, address, birth date, health notes, the guardian's name) reaches this
aggregate already sealed with the person's own key (``sealed``): the aggregate never sees it in clear, and once the
key is destroyed (erasure) no stored event can be read back into it. What stays readable is what the programme
counts: station, township and village, household size, target groups, dates, and whether a guardian consented.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.casework.domain.vocabulary import CHILD_GROUPS
from shared.domain import Context, RuleViolated


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_guardian_consent(birth_date: date, registered_on: date, consented_on: date | None, consent_age: int) -> bool:
    """PIPL art. 31: a child under ``consent_age`` needs a guardian's consent before its data is stored.

    Returns whether the person is such a child; refuses a child without consent, or consent given after the record.
    """
    if birth_date > registered_on:
        raise RuleViolated("casework.beneficiary.born_after_registration",
                           "the birth date is after the registration date")
    child = age_on(birth_date, registered_on) < consent_age
    if child and consented_on is None:
        raise RuleViolated("casework.beneficiary.guardian_consent_required",
                           f"a child under {consent_age} is registered only with a guardian's recorded consent")
    if consented_on is not None and consented_on > registered_on:
        raise RuleViolated("casework.beneficiary.consent_after_registration",
                           "the guardian's consent must be given on or before the registration date")
    return child


class Beneficiary(Aggregate):
    """服务对象: a person the station serves, in one or more target groups."""

    # The id is given: a random UUID chosen before the event, since the person's key is bound to it.
    id: UUID

    @event("Registered")
    def __init__(self, station_id: str, township_code: str, village_code: str, household_ref: str | None,
                 household_size: int | None, target_groups: tuple[str, ...], registered_on: date, child: bool,
                 guardian_relation: str | None, guardian_consented_on: date | None, sealed: str,
                 possible_duplicates: tuple[dict[str, Any], ...], ctx: Context) -> None:
        self.station_id = station_id
        self.township_code = township_code
        self.village_code = village_code
        self.household_ref = household_ref
        self.household_size = household_size
        self.target_groups = tuple(target_groups)
        self.registered_on = registered_on
        self.child = child
        self.guardian_relation = guardian_relation
        self.guardian_consented_on = guardian_consented_on
        self.sealed: str | None = sealed
        self.possible_duplicates = [dict(d) for d in possible_duplicates]
        self.erased_on: date | None = None
        self.merged_into: str | None = None
        self.merged_from: list[str] = []

    @property
    def needs_guardianship_assessment(self) -> bool:
        """A child, or in a children's target group: its cases are assessed for guardianship (监护评估)."""
        return self.child or bool(CHILD_GROUPS & set(self.target_groups))

    def check_not_erased(self) -> None:
        """Refuses changes to a person whose data was erased (their facts of service stay, closed)."""
        if self.erased_on is not None:
            raise RuleViolated("casework.beneficiary.erased",
                               f"this beneficiary's personal data was erased on {self.erased_on.isoformat()}")

    def check_active(self) -> None:
        """Refuses changes to an erased person, or to a duplicate record merged into another."""
        self.check_not_erased()
        if self.merged_into is not None:
            raise RuleViolated("casework.beneficiary.merged",
                               f"this record was merged into beneficiary {self.merged_into}: use that one",
                               merged_into=self.merged_into)

    def merge_into(self, target: Beneficiary, merged_on: date, reason: str, ctx: Context) -> None:
        """A duplicate record merged into the person's other record: both keep their history, the target goes on."""
        if target.id == self.id:
            raise RuleViolated("casework.beneficiary.merge_into_self", "a record is not merged into itself")
        self.check_active()
        target.check_active()
        self._merged_into(into_id=str(target.id), merged_on=merged_on, reason=reason, ctx=ctx)
        target._absorbed(from_id=str(self.id), merged_on=merged_on, ctx=ctx)

    @event("MergedInto")
    def _merged_into(self, into_id: str, merged_on: date, reason: str, ctx: Context) -> None:
        self.merged_into = into_id

    @event("Absorbed")
    def _absorbed(self, from_id: str, merged_on: date, ctx: Context) -> None:
        self.merged_from.append(from_id)

    def change_target_groups(self, target_groups: tuple[str, ...], changed_on: date, ctx: Context) -> None:
        """The person's target groups from a date (e.g. newly a 低保 recipient)."""
        self.check_active()
        if tuple(target_groups) == tuple(self.target_groups):
            raise RuleViolated("casework.beneficiary.groups_unchanged", "the target groups are already these")
        self._target_groups_changed(target_groups=tuple(target_groups), changed_on=changed_on, ctx=ctx)

    @event("TargetGroupsChanged")
    def _target_groups_changed(self, target_groups: tuple[str, ...], changed_on: date, ctx: Context) -> None:
        self.target_groups = tuple(target_groups)

    def correct_personal_data(self, sealed: str, child: bool, guardian_relation: str | None,
                              guardian_consented_on: date | None, ctx: Context) -> None:
        """Replaces the sealed personal data (a correction; the old one stays sealed in history)."""
        self.check_active()
        self._personal_data_corrected(sealed=sealed, child=child, guardian_relation=guardian_relation,
                                      guardian_consented_on=guardian_consented_on, ctx=ctx)

    @event("PersonalDataCorrected")
    def _personal_data_corrected(self, sealed: str, child: bool, guardian_relation: str | None,
                                 guardian_consented_on: date | None, ctx: Context) -> None:
        self.sealed = sealed
        self.child = child
        self.guardian_relation = guardian_relation
        self.guardian_consented_on = guardian_consented_on

    def erase(self, erased_on: date, reason: str, ctx: Context) -> None:
        """Records that the person's key was destroyed: every sealed record of them is unreadable from now on."""
        self.check_not_erased()
        if erased_on < self.registered_on:
            raise RuleViolated("casework.beneficiary.erased_before_registration",
                               "an erasure cannot precede the registration")
        self._erased(erased_on=erased_on, reason=reason, ctx=ctx)

    @event("Erased")
    def _erased(self, erased_on: date, reason: str, ctx: Context) -> None:
        self.erased_on = erased_on
        self.sealed = None
