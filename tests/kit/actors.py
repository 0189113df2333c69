"""The people tests act as: one command context per role of the plan."""

from __future__ import annotations

from shared.domain import Context

ADMIN = Context(actor="admin-1", role="civil_affairs_admin", organisation="county-civil-affairs")
HR = Context(actor="hr-1", role="hr_social_security", organisation="county-hrss")
PARTY = Context(actor="party-1", role="party_organisation", organisation="county-party")
TOWNSHIP_T01 = Context(actor="t01-clerk", role="township", organisation="T01", townships=("T01",))
CONTRACTOR = Context(actor="org-1-manager", role="contractor", organisation="org-1")
OTHER_CONTRACTOR = Context(actor="org-2-manager", role="contractor", organisation="org-2")
EVALUATOR = Context(actor="eval-1", role="evaluator", organisation="eval-org")
WORKER = Context(actor="sw-7", role="social_worker", organisation="org-1")
AUDITOR = Context(actor="aud-1", role="auditor", organisation="audit")
SYSTEM = Context(actor="workforce-consumer", role="system", organisation="county")
"""What a command-issuing policy acts as when it turns another service's event into a command."""
