"""Commands on beneficiaries (服务对象): registration with sealed personal data, duplicates flagged, target groups,
corrections, erasure; and the logged read of personal data."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Unpack
from uuid import UUID, uuid4

from services.casework.application.base import ADMIN, WRITERS, CaseworkBase, ChangeOptions
from services.casework.application.fields import Choice, HouseholdSize
from services.casework.domain import Beneficiary, TargetGroup, check_guardian_consent, choices, validate_national_id
from shared.application import Command, Outcome
from shared.domain import Context, NotFound, RuleViolated, county_today
from shared.fields import Code, Day, Name, NationalId, PastDay, Phone, RequiredText, ShortText, Text, items


class Guardian(Command):
    """The guardian (监护人) who consents for a child (PIPL art. 31)."""

    name: Name
    relation: ShortText
    phone: Phone | None = None
    consented_on: Day


class PersonalData(Command):
    """Personal data: sealed with the person's own key, never published, erasable."""

    name: Name
    national_id_number: NationalId | None = None
    phone: Phone | None = None
    address: ShortText = ""
    birth_date: PastDay
    health_notes: Text = ""
    guardian: Guardian | None = None


class RegisterBeneficiary(Command):
    """Registers a person the station serves, in one or more target groups."""

    unfingerprinted = frozenset({"personal"})
    station_id: UUID
    township_code: Code
    village_code: Code
    household_ref: Code | None = None
    household_size: HouseholdSize | None = None
    target_groups: Annotated[list[Choice], items(1, len(TargetGroup))]
    registered_on: Day
    personal: PersonalData


class ChangeTargetGroups(Command):
    """The person's target groups from a date."""

    target_groups: Annotated[list[Choice], items(1, len(TargetGroup))]
    changed_on: Day


class CorrectPersonalData(Command):
    """Replaces the person's personal data (a correction)."""

    unfingerprinted = frozenset({"personal"})
    personal: PersonalData


class MergeBeneficiary(Command):
    """This record is a duplicate of the person's record ``into``: merged, with both histories kept."""

    into: UUID
    merged_on: Day
    reason: RequiredText


class EraseBeneficiary(Command):
    """Erases the person's personal data: their key is destroyed, the facts of service stay."""

    erased_on: Day
    reason: RequiredText


def normalised_name(name: str) -> str:
    """A name compared for likely duplicates: width-folded, without spaces and dots, case-folded."""
    text = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in text if ch not in " ·.-\u3000").casefold()


def similar_names(a: str, b: str) -> bool:
    """Equal, or one character apart (a mistyped or variant character)."""
    a, b = normalised_name(a), normalised_name(b)
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 2:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] <= 1


class BeneficiaryCommands(CaseworkBase):
    """Who may: the bureau anywhere; a social worker or contractor for its stations; erasure by the bureau."""

    def register_beneficiary(self, ctx: Context, command: RegisterBeneficiary,
                             idempotency_key: str | None = None) -> dict[str, Any]:
        """服务对象登记: registers a beneficiary; personal data sealed with a new key of their own."""
        self.check_station(ctx, command.station_id, command.registered_on)
        personal = command.personal

        def handler() -> Outcome:
            groups = choices("target_groups", TargetGroup, command.target_groups)
            consent = personal.guardian.consented_on if personal.guardian else None
            child = check_guardian_consent(personal.birth_date, command.registered_on, consent,
                                           self.policy.guardian_consent_age)
            id_digest, match_digest = self._digests(personal, command.township_code, command.village_code)
            duplicates = self._likely_duplicates(personal.name, id_digest, match_digest)
            beneficiary_id = uuid4()
            self.vault.create_key(beneficiary_id, id_digest, match_digest)
            beneficiary = Beneficiary(
                id=beneficiary_id, station_id=str(command.station_id), township_code=command.township_code,
                village_code=command.village_code, household_ref=command.household_ref,
                household_size=command.household_size, target_groups=groups, registered_on=command.registered_on,
                child=child, guardian_relation=personal.guardian.relation if personal.guardian else None,
                guardian_consented_on=consent, sealed=self.vault.seal(beneficiary_id, self._plain(personal)),
                possible_duplicates=tuple(duplicates), ctx=ctx,
            )
            return Outcome(result=self.seen_by(ctx)(beneficiary), changed=[beneficiary])

        # The idempotency record keeps a keyed digest of the personal data, never the data itself.
        return self.execute(ctx, command, handler, idempotency_key, about=self.personal_about(command))

    def change_target_groups(self, ctx: Context, beneficiary_id: UUID, command: ChangeTargetGroups,
                             **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Records the person's target groups from a date."""

        def act(beneficiary: Beneficiary) -> None:
            self.check_station(ctx, beneficiary.station_id, command.changed_on)
            groups = choices("target_groups", TargetGroup, command.target_groups)
            beneficiary.change_target_groups(groups, command.changed_on, ctx=ctx)

        return self.on_aggregate(ctx, Beneficiary, beneficiary_id, command, act, self.seen_by(ctx), **options)

    def correct_personal_data(self, ctx: Context, beneficiary_id: UUID, command: CorrectPersonalData,
                              **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """Corrects the person's personal data (sealed with their key; the earlier data stays sealed in history)."""
        personal = command.personal

        def act(beneficiary: Beneficiary) -> None:
            self.check_station(ctx, beneficiary.station_id, county_today())
            beneficiary.check_not_erased()
            consent = personal.guardian.consented_on if personal.guardian else None
            child = check_guardian_consent(personal.birth_date, beneficiary.registered_on, consent,
                                           self.policy.guardian_consent_age)
            id_digest, match_digest = self._digests(personal, beneficiary.township_code, beneficiary.village_code)
            self.vault.update_digests(beneficiary.id, id_digest, match_digest)
            beneficiary.correct_personal_data(
                sealed=self.vault.seal(beneficiary.id, self._plain(personal)), child=child,
                guardian_relation=personal.guardian.relation if personal.guardian else None,
                guardian_consented_on=consent, ctx=ctx)

        return self.on_aggregate(ctx, Beneficiary, beneficiary_id, command, act, self.seen_by(ctx), **options)

    def merge_beneficiary(self, ctx: Context, beneficiary_id: UUID, command: MergeBeneficiary,
                          **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """合并重复: merges a duplicate record into the person's other record; both keep their history."""

        def handler() -> Outcome:
            duplicate = self.load(Beneficiary, beneficiary_id, options.get("expected_version"))
            target = self.load(Beneficiary, command.into)
            for record in (duplicate, target):
                self.check_station(ctx, record.station_id, command.merged_on)
            duplicate.merge_into(target, command.merged_on, command.reason, ctx=ctx)
            return Outcome(result=self.seen_by(ctx)(duplicate), changed=[duplicate, target])

        return self.execute(ctx, command, handler, options.get("idempotency_key"), about=(beneficiary_id,))

    def erase_beneficiary(self, ctx: Context, beneficiary_id: UUID, command: EraseBeneficiary,
                          **options: Unpack[ChangeOptions]) -> dict[str, Any]:
        """删除个人信息: destroys the person's keys (of every record merged into this one too), then records the
        erasure; facts of service remain."""
        ctx.require(ADMIN)

        def handler() -> Outcome:
            person = self.load(Beneficiary, beneficiary_id, options.get("expected_version"))
            records = [person, *(self.load(Beneficiary, UUID(m)) for m in person.merged_from)]
            for record in records:
                if record is person or record.erased_on is None:
                    record.erase(command.erased_on, command.reason, ctx=ctx)  # checks the rules before any key goes
            # The keys go first: if recording the erasure then fails, the data is already unreadable and a retry
            # records it (an erasure never waits on a save).
            for record in records:
                self.vault.destroy(record.id)
            return Outcome(result=self.seen_by(ctx)(person), changed=records)

        return self.execute(ctx, command, handler, options.get("idempotency_key"), about=(beneficiary_id,))

    def read_personal_data(self, ctx: Context, beneficiary_id: UUID, purpose: str) -> dict[str, Any]:
        """A beneficiary's personal data for a reader allowed it; the read (who, when, which, why) is logged first."""
        ctx.require(*WRITERS)
        beneficiary = self.load(Beneficiary, beneficiary_id)
        self.check_reads_personal_data(ctx, beneficiary)
        beneficiary.check_not_erased()
        data = self.vault.open(beneficiary.id, beneficiary.sealed)
        if data is None:
            raise RuleViolated("casework.beneficiary.erased", "this beneficiary's personal data cannot be read")
        self.log_read(ctx, beneficiary.id, "personal_data", purpose)
        return {"beneficiary_id": beneficiary.id, **data}

    # --- duplicates -------------------------------------------------------------------------

    def _digests(self, personal: PersonalData, township: str, village: str) -> tuple[str | None, str]:
        number = validate_national_id(personal.national_id_number) if personal.national_id_number else None
        id_digest = self.vault.digest(f"id:{number}") if number else None
        return id_digest, self.vault.digest(f"match:{personal.birth_date.isoformat()}:{township}:{village}")

    def _likely_duplicates(self, name: str, id_digest: str | None, match_digest: str) -> list[dict[str, Any]]:
        """Same id number; or a similar name with the same birth date and village (opened with each one's key)."""
        found: dict[str, str] = {}
        if id_digest:
            found |= {str(b): "same_id_number" for b in self.vault.keys.with_id_digest(id_digest)}
        for other in self.vault.keys.with_match_digest(match_digest):
            if str(other) in found:
                continue
            try:
                data = self.vault.open(other, self.load(Beneficiary, other).sealed)
            except NotFound:
                continue  # a key whose registration was never saved
            if data is not None and similar_names(name, data["name"]):
                found[str(other)] = "similar_name_birth_village"
        return [{"beneficiary_id": b, "reason": r} for b, r in sorted(found.items())]

    @staticmethod
    def _plain(personal: PersonalData) -> dict[str, Any]:
        data = personal.model_dump(mode="json")
        if data.get("national_id_number"):
            data["national_id_number"] = validate_national_id(data["national_id_number"])
        return data
