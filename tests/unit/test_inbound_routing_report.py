"""Routing (seed article §4) as a pure function, the routing fields of a Procountor invoice, the circulation rule,
and the inbound report built from step summaries."""

from __future__ import annotations

import pytest

from taimer_procountor.errors import CATALOGUE
from taimer_procountor.inbound.approvals import VerifyFirst, needs_verification
from taimer_procountor.inbound.extract import routing_fields
from taimer_procountor.inbound.report import build_summary, render_table
from taimer_procountor.inbound.route import RoutingFacts, route
from taimer_procountor.procountor.models import Invoice
from taimer_procountor.summary import FlowSummary, Outcome
from taimer_procountor.taimer.models import CompanySettings, Project, RoutingReason, User

USERS = [
    User(id="boss", name="Boss", procountor_person_id=1, can_receive_purchase_invoices=True),
    User(id="pm-ok", name="PM ok", procountor_person_id=2, can_receive_purchase_invoices=True),
    User(id="pm-no", name="PM no", procountor_person_id=3, can_receive_purchase_invoices=False),
    User(id="gone", name="Gone", procountor_person_id=4, can_receive_purchase_invoices=True, active=False),
]
PROJECTS = [
    Project(id="p1", number="100", name="A", manager_user_id="pm-ok"),
    Project(id="p2", number="200", name="B", manager_user_id="pm-no"),
    Project(id="p3", number="300", name="C", manager_user_id=None),
]
COMPANY = CompanySettings(name="Oy", business_id="1234567-8", default_purchase_invoice_recipient_user_id="boss")
FACTS = RoutingFacts.build(PROJECTS, USERS, COMPANY)


@pytest.mark.parametrize(
    ("project", "person", "recipient", "reason", "codes"),
    [
        ("100", None, "pm-ok", RoutingReason.PROJECT_MANAGER, []),
        (" 100 ", 3, "pm-ok", RoutingReason.PROJECT_MANAGER, []),
        ("200", 2, "pm-ok", RoutingReason.PERSON_ID, ["INBOUND_ROUTING_MANAGER_NOT_ALLOWED"]),
        (None, 3, "boss", RoutingReason.DEFAULT_RECIPIENT, ["INBOUND_ROUTING_PERSON_NOT_ALLOWED"]),
        (None, 4, "boss", RoutingReason.DEFAULT_RECIPIENT, ["INBOUND_ROUTING_PERSON_NOT_ALLOWED"]),  # inactive
        ("999", None, "boss", RoutingReason.DEFAULT_RECIPIENT, ["INBOUND_ROUTING_PROJECT_UNKNOWN"]),
        ("300", 77, "boss", RoutingReason.DEFAULT_RECIPIENT,
         ["INBOUND_ROUTING_PROJECT_NO_MANAGER", "INBOUND_ROUTING_PERSON_UNKNOWN"]),
        (None, None, "boss", RoutingReason.DEFAULT_RECIPIENT, []),
    ],
)  # fmt: skip
def test_route_one_case_per_rule(project, person, recipient, reason, codes) -> None:
    decision = route(project, person, FACTS)
    assert (decision.recipient_user_id, decision.reason) == (recipient, reason)
    assert [n.code for n in decision.notes] == codes
    assert all(code in CATALOGUE for code in codes)


def test_route_without_default_recipient_is_unrouted_and_says_why() -> None:
    facts = RoutingFacts.build(
        PROJECTS, USERS, COMPANY.model_copy(update={"default_purchase_invoice_recipient_user_id": None})
    )
    decision = route("200", None, facts)
    assert decision.recipient_user_id is None and decision.reason is RoutingReason.UNROUTED
    assert [n.code for n in decision.notes] == [
        "INBOUND_ROUTING_MANAGER_NOT_ALLOWED",
        "INBOUND_ROUTING_NO_DEFAULT_RECIPIENT",
    ]


def _invoice(**fields) -> Invoice:
    return Invoice.model_validate(
        {
            "id": 1,
            "type": "PURCHASE_INVOICE",
            "status": "RECEIVED",
            "date": "2026-11-02",
            "counterParty": {"counterPartyAddress": {"name": "Toimittaja Oy"}},
            "paymentInfo": {"paymentMethod": "BANK_TRANSFER", "currency": "EUR", "dueDate": "2026-11-16",
                            "currencyRate": 1},
            "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
            "discountPercent": 0,
            "invoiceRows": [],
            "invoiceChannel": "ELECTRONIC_INVOICE",
            **fields,
        }
    )  # fmt: skip


def test_routing_fields_come_from_order_reference_and_buyer_reference() -> None:
    assert routing_fields(_invoice(orderReference=" 100 ", buyerReferenceIdentifier="8001")) == ("100", 8001)
    assert routing_fields(_invoice(buyerReferenceIdentifier="Matti")) == (None, None)  # not a person ID
    assert routing_fields(_invoice()) == (None, None)


def test_verify_first_follows_the_invoices_circulation() -> None:
    with_verifiers = _invoice(invoiceApprovalInformation={"verifiers": [{"userId": 7}]})
    plain = _invoice()
    assert needs_verification(with_verifiers, VerifyFirst.AUTO) and not needs_verification(plain, VerifyFirst.AUTO)
    assert needs_verification(plain, VerifyFirst.ALWAYS) and not needs_verification(with_verifiers, VerifyFirst.NEVER)
    verified = _invoice(status="VERIFIED", invoiceApprovalInformation={"verifiers": [{"userId": 7}]})
    assert not needs_verification(verified, VerifyFirst.ALWAYS)


def test_report_combines_steps_and_names_a_failed_step_by_its_recorded_code() -> None:
    bills = {
        "counts": {"extracted": 2, "created": 2},
        "decisions": [{"procountor_id": 5, "reason": "person_id", "recipient_user_id": "u", "notes": [],
                       "taimer_bill_id": "b", "action": "created"}],
        "reasons": {"person_id": 1},
        "errors": [],
        "notices": [{"code": "INBOUND_ROUTING_PROJECT_UNKNOWN", "where": "purchase_invoice 5", "detail": "x"}],
        "watermark": {"moved": True, "value": "2026-11-02T10:00:00"},
        "window": {"flow": "inbound_purchase_invoices", "start": "2026-11-01T00:00:00"},
    }  # fmt: skip
    refusal = {"code": "INBOUND_APPROVAL_WRONG_STATUS", "where": "approval b", "detail": "x"}
    approvals = {"counts": {"extracted": 1, "refused": 1}, "approvals": [], "errors": [refusal]}
    summary = build_summary(
        dag_id="d",
        run_id="r",
        steps={"load_bills": bills, "push_approvals": approvals, "apply_payments": None},
        step_errors={"apply_payments": {"code": "TAIMER_SERVER_ERROR", "detail": "boom", "try_number": 3}},
    )
    assert summary.outcome is Outcome.FAILED
    assert [(f.task_id, f.code, f.attempts) for f in summary.failed_steps] == [
        ("apply_payments", "TAIMER_SERVER_ERROR", 3)
    ]
    assert [k.kind for k in summary.kinds] == ["purchase_invoices", "approvals"]
    assert summary.details["reasons"] == {"purchase_invoices": {"person_id": 1}}
    assert summary.details["watermarks"]["purchase_invoices"]["moved"] is True
    assert FlowSummary.from_json(summary.to_json()) == summary
    table = render_table(summary)
    assert "invoice 5 -> bill b: person_id u [created]" in table and "INBOUND_APPROVAL_WRONG_STATUS" in table
    partial = build_summary(dag_id="d", run_id="r", steps={"load_bills": bills, "push_approvals": approvals,
                                                           "apply_payments": {"counts": {}}})  # fmt: skip
    assert partial.outcome is Outcome.PARTIAL
