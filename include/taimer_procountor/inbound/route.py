"""Who receives a purchase invoice in Taimer, and why: the three rules of the seed article §4, pure.

1. The invoice names a project number -> that project's manager, if the manager may receive purchase invoices.
2. Else (or when rule 1 does not give a recipient) it names a person ID -> that user, if allowed to receive.
3. Else the company's default recipient.

Every fallback says why in ``notes`` (catalogue codes, reported as notices, never fatal); the decision's ``reason``
is what the bill records (``RoutingReason``). An inactive user counts as not allowed to receive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from taimer_procountor.taimer.models import CompanySettings, Project, RoutingReason, User

PROJECT_UNKNOWN = "INBOUND_ROUTING_PROJECT_UNKNOWN"
PROJECT_NO_MANAGER = "INBOUND_ROUTING_PROJECT_NO_MANAGER"
MANAGER_NOT_ALLOWED = "INBOUND_ROUTING_MANAGER_NOT_ALLOWED"
PERSON_UNKNOWN = "INBOUND_ROUTING_PERSON_UNKNOWN"
PERSON_NOT_ALLOWED = "INBOUND_ROUTING_PERSON_NOT_ALLOWED"
NO_DEFAULT_RECIPIENT = "INBOUND_ROUTING_NO_DEFAULT_RECIPIENT"
DEFAULT_NOT_ALLOWED = "INBOUND_ROUTING_DEFAULT_NOT_ALLOWED"


@dataclass(frozen=True)
class RoutingNote:
    """Why a rule did not give the recipient (a catalogue code and ids only)."""

    code: str
    detail: str


@dataclass(frozen=True)
class RoutingFacts:
    """What the rules look at in Taimer: projects by number, users by id and by Procountor person ID, the default
    recipient."""

    projects_by_number: Mapping[str, Project] = field(default_factory=dict)
    users_by_id: Mapping[str, User] = field(default_factory=dict)
    users_by_person_id: Mapping[int, User] = field(default_factory=dict)
    default_recipient_user_id: str | None = None

    @classmethod
    def build(cls, projects: Iterable[Project], users: Iterable[User], company: CompanySettings) -> RoutingFacts:
        users = list(users)
        return cls(
            projects_by_number={p.number.strip(): p for p in projects},
            users_by_id={u.id: u for u in users},
            users_by_person_id={u.procountor_person_id: u for u in users if u.procountor_person_id is not None},
            default_recipient_user_id=company.default_purchase_invoice_recipient_user_id,
        )


@dataclass(frozen=True)
class RoutingDecision:
    recipient_user_id: str | None
    reason: RoutingReason
    notes: tuple[RoutingNote, ...] = ()

    def explain(self) -> str:
        """One line for the report, e.g. ``project_manager -> u-002``."""
        return f"{self.reason.value} -> {self.recipient_user_id or '(nobody)'}"

    def to_json(self) -> dict[str, object]:
        return {
            "recipient_user_id": self.recipient_user_id,
            "reason": self.reason.value,
            "notes": [{"code": n.code, "detail": n.detail} for n in self.notes],
        }


def may_receive(user: User | None) -> bool:
    return user is not None and user.active and user.can_receive_purchase_invoices


def route(project_number: str | None, person_id: int | None, facts: RoutingFacts) -> RoutingDecision:
    """The recipient of one purchase invoice that names ``project_number`` and/or ``person_id`` (either may be
    None)."""
    notes: list[RoutingNote] = []
    number = (project_number or "").strip()
    if number:
        project = facts.projects_by_number.get(number)
        if project is None:
            notes.append(RoutingNote(PROJECT_UNKNOWN, f"project {number} is not in Taimer"))
        elif not project.manager_user_id:
            notes.append(RoutingNote(PROJECT_NO_MANAGER, f"project {number} has no manager"))
        else:
            manager = facts.users_by_id.get(project.manager_user_id)
            if may_receive(manager):
                return RoutingDecision(project.manager_user_id, RoutingReason.PROJECT_MANAGER, tuple(notes))
            notes.append(
                RoutingNote(
                    MANAGER_NOT_ALLOWED,
                    f"manager {project.manager_user_id} of project {number} may not receive purchase invoices",
                )
            )
    if person_id is not None:
        user = facts.users_by_person_id.get(person_id)
        if user is None:
            notes.append(RoutingNote(PERSON_UNKNOWN, f"person ID {person_id} is no Taimer user's"))
        elif may_receive(user):
            return RoutingDecision(user.id, RoutingReason.PERSON_ID, tuple(notes))
        else:
            notes.append(
                RoutingNote(
                    PERSON_NOT_ALLOWED, f"user {user.id} (person ID {person_id}) may not receive purchase invoices"
                )
            )
    default = facts.default_recipient_user_id
    if default:
        if not may_receive(facts.users_by_id.get(default)):
            notes.append(RoutingNote(DEFAULT_NOT_ALLOWED, f"default recipient {default} may not receive"))
        return RoutingDecision(default, RoutingReason.DEFAULT_RECIPIENT, tuple(notes))
    notes.append(RoutingNote(NO_DEFAULT_RECIPIENT, "Taimer has no default purchase-invoice recipient"))
    return RoutingDecision(None, RoutingReason.UNROUTED, tuple(notes))
