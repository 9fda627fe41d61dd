"""Taimer datasets: ``TaimerDataset`` (the whole state of one Taimer installation, what the sandbox loads through
``POST /_control/fixture`` and the seed generator produces) and two hand-made ones.

``default_dataset()`` is a small Finnish installation, the sandbox's default state and the tests' baseline: small
enough to read, and it covers every document kind, row kind, payment source and attachment storage once.
``paging_dataset(n)`` holds many invoices for paging tests. Big or defective datasets come from the seed generator
(``python -m sandboxes.seed``).
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from taimer_procountor.taimer.models import (
    Address,
    ApprovalState,
    Attachment,
    AttachmentBlob,
    AttachmentStorage,
    BankAccount,
    Bill,
    BillDirection,
    BillRow,
    CompanySettings,
    Customer,
    ExpenseReport,
    ExpenseRow,
    InlineBlob,
    IntegrationStatus,
    InvoiceChannel,
    MileageRow,
    PaymentSource,
    PerDiemRow,
    Product,
    Project,
    PurchaseInvoiceViewRight,
    ReferenceData,
    RowKind,
    SalesInvoice,
    SalesInvoiceRow,
    Supplier,
    SyncState,
    SyntheticBlob,
    TaimerModel,
    TravelLeg,
    TravelReport,
    User,
    WorkType,
)


class TaimerDataset(TaimerModel):
    """The whole state of one Taimer installation: what the sandbox loads and the seed generator produces."""

    company: CompanySettings
    users: list[User] = Field(default_factory=list)
    customers: list[Customer] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    products: list[Product] = Field(default_factory=list)
    work_types: list[WorkType] = Field(default_factory=list)
    sales_invoices: list[SalesInvoice] = Field(default_factory=list)
    bills: list[Bill] = Field(default_factory=list)
    expense_reports: list[ExpenseReport] = Field(default_factory=list)
    travel_reports: list[TravelReport] = Field(default_factory=list)
    reference: ReferenceData = Field(default_factory=ReferenceData)
    attachment_blobs: dict[str, AttachmentBlob] = Field(default_factory=dict)


COMPANY_IBAN = "FI2112345600000785"


def _ready() -> IntegrationStatus:
    return IntegrationStatus(sync_state=SyncState.READY)


def default_dataset() -> TaimerDataset:
    txt = "Tuntierittely tammikuu 2025\r\nSuunnittelu 12 h\r\n".encode("cp1252")
    return TaimerDataset(
        company=CompanySettings(
            name="Esimerkki Oy",
            business_id="1234567-1",
            address=Address(street="Mannerheimintie 1", postal_code="00100", city="Helsinki"),
            bank_accounts=[BankAccount(iban=COMPANY_IBAN, bic="NDEAFIHH", name="Nordea")],
            sales_invoice_start_number=1001,
            attachments_in_google_drive=False,
            default_purchase_invoice_recipient_user_id="u-1",
        ),
        users=[
            User(
                id="u-1",
                name="Maija Meikäläinen",
                email="maija@esimerkki.fi",
                procountor_person_id=5001,
                can_receive_purchase_invoices=True,
                purchase_invoice_view_right=PurchaseInvoiceViewRight.ALL,
            ),
            User(
                id="u-2",
                name="Matti Virtanen",
                email="matti@esimerkki.fi",
                procountor_person_id=5002,
                can_receive_purchase_invoices=True,
            ),
            User(
                id="u-3",
                name="Liisa Äijälä",
                email="liisa@esimerkki.fi",
                can_receive_purchase_invoices=False,
                purchase_invoice_view_right=PurchaseInvoiceViewRight.PRE_APPROVE_ONLY,
            ),
        ],
        customers=[
            Customer(
                id="c-1",
                name="Asiakas Oy",
                business_id="7654321-2",
                address=Address(street="Hämeenkatu 5", postal_code="33100", city="Tampere"),
                email="laskut@asiakas.fi",
                einvoice_address="003776543212",
                einvoice_operator="003721291126",
            ),
            Customer(id="c-2", name="Pikkufirma Tmi", address=Address(city="Oulu"), email="pikku@firma.fi"),
        ],
        projects=[
            Project(id="p-1", number="P-100", name="Verkkosivu-uudistus", manager_user_id="u-2", customer_id="c-1"),
            Project(id="p-2", number="P-200", name="Ylläpito", manager_user_id="u-3", customer_id="c-2"),
        ],
        products=[
            Product(
                id="prod-1",
                name="Konsultointi",
                code="KONS",
                unit="HOUR",
                unit_price=Decimal("95.00"),
                vat_percent=Decimal("25.5"),
                procountor_product_id=9001,
                account="3000",
            ),
            Product(
                id="prod-2",
                name="Lisenssi",
                code="LIS",
                unit="PIECE",
                unit_price=Decimal("450.00"),
                vat_percent=Decimal("25.5"),
                procountor_product_id=9002,
                account="3010",
            ),
        ],
        work_types=[WorkType(id="wt-1", name="Suunnittelu", procountor_product_id=9001, account="3000")],
        sales_invoices=[
            SalesInvoice(
                id="si-1",
                number=1001,
                invoice_date=date(2025, 1, 31),
                due_date=date(2025, 2, 14),
                customer_id="c-1",
                project_id="p-1",
                channel=InvoiceChannel.EINVOICE,
                reference_number="10016",
                sales_account="3000",
                cost_center="100",
                bank_account_iban=COMPANY_IBAN,
                rows=[
                    SalesInvoiceRow(id="r-1", kind=RowKind.HEADER, name="Tammikuun työt"),
                    SalesInvoiceRow(
                        id="r-2",
                        kind=RowKind.PRODUCT,
                        name="Konsultointi",
                        product_id="prod-1",
                        work_type_id="wt-1",
                        description_lines=["Suunnittelu ja määrittely", "Palaverit 2 kpl"],
                        quantity=Decimal("12"),
                        unit="HOUR",
                        unit_price=Decimal("95.00"),
                        vat_percent=Decimal("25.5"),
                    ),
                    SalesInvoiceRow(id="r-3", kind=RowKind.DESCRIPTION, description_lines=["Kiitos tilauksesta!"]),
                ],
                attachments=[
                    Attachment(id="att-1", name="erittely.pdf", size=4096, mime_type="application/pdf"),
                    Attachment(id="att-2", name="tunnit.txt", size=len(txt), mime_type="text/plain"),
                ],
                integration=_ready(),
            ),
            SalesInvoice(
                id="si-2",
                number=1002,
                invoice_date=date(2025, 2, 3),
                due_date=date(2025, 2, 17),
                customer_id="c-2",
                channel=InvoiceChannel.EMAIL,
                sales_account="3010",
                bank_account_iban=COMPANY_IBAN,
                rows=[
                    SalesInvoiceRow(
                        id="r-1",
                        name="Lisenssi",
                        product_id="prod-2",
                        quantity=Decimal("1"),
                        unit_price=Decimal("450.00"),
                        vat_percent=Decimal("25.5"),
                        discount_percent=Decimal("10"),
                    )
                ],
                attachments=[
                    Attachment(id="att-3", name="drive-liite.pdf", size=2048, storage=AttachmentStorage.GOOGLE_DRIVE)
                ],
                integration=_ready(),
            ),
            SalesInvoice(
                id="si-3",
                number=1003,
                invoice_date=date(2025, 2, 5),
                due_date=date(2025, 2, 19),
                customer_id="c-1",
                rows=[
                    SalesInvoiceRow(
                        name="Konsultointi",
                        quantity=Decimal("2"),
                        unit_price=Decimal("95"),
                        vat_percent=Decimal("25.5"),
                    )
                ],
            ),
        ],
        bills=[
            Bill(
                id="b-1",
                direction=BillDirection.OUTBOUND,
                number="OL-1",
                supplier_invoice_number="INV-778",
                supplier=Supplier(name="Toimittaja Oy", business_id="1111112-8", iban="FI4950009420028730"),
                invoice_date=date(2025, 1, 20),
                due_date=date(2025, 2, 19),
                total_net=Decimal("100.00"),
                total_vat=Decimal("25.50"),
                total_gross=Decimal("125.50"),
                rows=[BillRow(name="Palvelin", unit_price=Decimal("100.00"), vat_percent=Decimal("25.5"))],
                integration=_ready(),
            ),
            Bill(
                id="b-2",
                direction=BillDirection.INBOUND,
                supplier=Supplier(name="Ohjelmisto Ab"),
                invoice_date=date(2025, 1, 10),
                due_date=date(2025, 2, 9),
                total_gross=Decimal("62.75"),
                project_number="P-100",
                approval_state=ApprovalState.APPROVE_IN_PROCOUNTOR,
                approved_by_user_id="u-2",
                approved_at=datetime(2025, 1, 15, 9, 30),
                recipient_user_id="u-2",
                procountor_id=70001,
                procountor_status="RECEIVED",
                integration=IntegrationStatus(sync_state=SyncState.RECEIVED, procountor_id=70001),
            ),
        ],
        expense_reports=[
            ExpenseReport(
                id="er-1",
                number=1,
                owner_user_id="u-2",
                transferring_user_id="u-1",
                report_date=date(2025, 2, 1),
                title="Tammikuun kulut",
                rows=[
                    ExpenseRow(
                        id="x-1",
                        receipt_date=date(2025, 1, 12),
                        description="Taksi",
                        amount=Decimal("38.40"),
                        vat_percent=Decimal("14"),
                        payment_source=PaymentSource.OWN,
                        attachment_ids=["att-4"],
                    ),
                    ExpenseRow(
                        id="x-2",
                        receipt_date=date(2025, 1, 17),
                        description="Lounas asiakkaan kanssa",
                        amount=Decimal("64.20"),
                        vat_percent=Decimal("14"),
                        payment_source=PaymentSource.COMPANY,
                    ),
                ],
                attachments=[Attachment(id="att-4", name="kuitti.jpg", size=3000, mime_type="image/jpeg")],
                integration=_ready(),
            )
        ],
        travel_reports=[
            TravelReport(
                id="tr-1",
                number=1,
                owner_user_id="u-1",
                transferring_user_id="u-1",
                report_date=date(2025, 2, 2),
                title="Tampereen asiakaskäynti",
                legs=[
                    TravelLeg(
                        departure=datetime(2025, 1, 28, 7, 0),
                        arrival=datetime(2025, 1, 28, 19, 30),
                        from_place="Helsinki",
                        places="Tampere",
                        purpose="Asiakaspalaveri",
                    )
                ],
                mileage_rows=[
                    MileageRow(
                        date=date(2025, 1, 28),
                        description="Helsinki-Tampere-Helsinki",
                        kilometres=Decimal("356"),
                        rate_per_km=Decimal("0.59"),
                    )
                ],
                per_diem_rows=[PerDiemRow(date=date(2025, 1, 28), rate=Decimal("53"))],
                rows=[
                    ExpenseRow(
                        id="y-1",
                        receipt_date=date(2025, 1, 28),
                        description="Pysäköinti",
                        amount=Decimal("12.00"),
                        vat_percent=Decimal("25.5"),
                        payment_source=PaymentSource.COMPANY,
                    )
                ],
                integration=_ready(),
            )
        ],
        attachment_blobs={
            "att-1": SyntheticBlob(kind="pdf", size=4096, seed=1),
            "att-2": InlineBlob(data_b64=base64.b64encode(txt).decode()),
            "att-4": SyntheticBlob(kind="jpg", size=3000, seed=4),
        },
    )


def paging_dataset(count: int) -> TaimerDataset:
    """The default company with ``count`` sales invoices ``si-001``…, every sixth already transferred and the rest
    ready: enough rows to page through, with a filter that has something to leave out."""
    dataset = default_dataset()
    template = dataset.sales_invoices[0]
    dataset.sales_invoices = [
        template.model_copy(
            update={
                "id": f"si-{n:03d}",
                "number": 2000 + n,
                "integration": template.integration.model_copy(
                    update={"sync_state": SyncState.READY if n % 6 else SyncState.TRANSFERRED}
                ),
            }
        )
        for n in range(1, count + 1)
    ]
    return dataset
