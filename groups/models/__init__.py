"""Groups, memberships, agreements, chat messages and the audit log."""

from groups.models.agreements import Agreement, Clause, Consent
from groups.models.audit import AuditEntry
from groups.models.boundaries import Boundary, BoundaryKind
from groups.models.chat import (
    HeldReason,
    Intent,
    Message,
    MessageRevision,
    Reaction,
    ReactionKind,
    RemovedBy,
)
from groups.models.groups import (
    Group,
    Invite,
    JoinPolicy,
    JoinRequest,
    Membership,
    MembershipStatus,
    NameChange,
    RequestStatus,
    Role,
    Topic,
)
from groups.models.resources import (
    Resource,
    ResourceHelped,
    ResourceKind,
    ResourceStatus,
    ResourceTag,
)
from groups.models.schedules import CalendarFeed, Reminder, Repeat, Schedule
from groups.models.sessions import (
    Attendance,
    LiveSession,
    PieceOrder,
    Round,
    RoundAnswer,
    RoundKind,
)

__all__ = [
    "Agreement",
    "Attendance",
    "AuditEntry",
    "Boundary",
    "BoundaryKind",
    "CalendarFeed",
    "Clause",
    "Consent",
    "Group",
    "HeldReason",
    "Intent",
    "Invite",
    "JoinPolicy",
    "JoinRequest",
    "LiveSession",
    "Membership",
    "MembershipStatus",
    "Message",
    "MessageRevision",
    "NameChange",
    "PieceOrder",
    "Reaction",
    "ReactionKind",
    "Reminder",
    "RemovedBy",
    "Repeat",
    "RequestStatus",
    "Resource",
    "ResourceHelped",
    "ResourceKind",
    "ResourceStatus",
    "ResourceTag",
    "Role",
    "Round",
    "RoundAnswer",
    "RoundKind",
    "Schedule",
    "Topic",
]
