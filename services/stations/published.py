"""Which contract each stations domain event is published as (every domain event is published)."""

from __future__ import annotations

from shared.contracts import Contract
from shared.contracts import stations as c

from .domain import (
    CountyPlan,
    ExternalEvaluation,
    MisuseReport,
    PublicDisclosure,
    QuarterlyLedger,
    ServiceContract,
    Station,
)

PUBLISHED: dict[type, type[Contract]] = {
    CountyPlan.Established: c.CountyPlanEstablished,
    CountyPlan.TownshipAdded: c.TownshipAdded,
    CountyPlan.TownshipPopulationAmended: c.TownshipPopulationAmended,
    CountyPlan.VillageAdded: c.VillageAdded,
    Station.Planned: c.StationPlanned,
    Station.SiteProvided: c.StationSiteProvided,
    Station.ContractorAssigned: c.StationContractorAssigned,
    Station.ContractorReleased: c.StationContractorReleased,
    Station.StaffingRecorded: c.StationStaffingRecorded,
    Station.Opened: c.StationOpened,
    Station.Suspended: c.StationSuspended,
    Station.Reopened: c.StationReopened,
    Station.Closed: c.StationClosed,
    Station.VillageCoverageStarted: c.StationVillageCoverageStarted,
    Station.VillageCoverageEnded: c.StationVillageCoverageEnded,
    ServiceContract.Signed: c.ServiceContractSigned,
    ServiceContract.Disbursed: c.ServiceContractDisbursed,
    ServiceContract.Amended: c.ServiceContractAmended,
    ServiceContract.Terminated: c.ServiceContractTerminated,
    QuarterlyLedger.Submitted: c.QuarterlyLedgerSubmitted,
    QuarterlyLedger.Accepted: c.QuarterlyLedgerAccepted,
    QuarterlyLedger.ReturnedForRectification: c.QuarterlyLedgerReturnedForRectification,
    QuarterlyLedger.Resubmitted: c.QuarterlyLedgerResubmitted,
    PublicDisclosure.Published: c.PublicDisclosurePublished,
    ExternalEvaluation.Recorded: c.ExternalEvaluationRecorded,
    ExternalEvaluation.RectificationItemClosed: c.ExternalEvaluationRectificationItemClosed,
    MisuseReport.Opened: c.MisuseReportOpened,
    MisuseReport.Resolved: c.MisuseReportResolved,
}
