"""The named defects the seed generator can plant, what each means, and which documents it can go on.

Each defect is a deliberate fault a test expects the sync to catch with its own error code. ``DEFECTS`` is the single
description of them; docs/seed.md is generated from the same texts (``defect_table_markdown``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from taimer_procountor.taimer.models import DocumentKind

SALES = DocumentKind.SALES_INVOICE
BILL = DocumentKind.BILL
EXPENSE = DocumentKind.EXPENSE_REPORT
TRAVEL = DocumentKind.TRAVEL_REPORT
ALL_KINDS = frozenset({SALES, BILL, EXPENSE, TRAVEL})
REPORTS = frozenset({EXPENSE, TRAVEL})


class Defect(StrEnum):
    # document level
    UNKNOWN_VAT_PERCENT = "UNKNOWN_VAT_PERCENT"
    VAT_NOT_VALID_ON_DATE = "VAT_NOT_VALID_ON_DATE"
    BANK_ACCOUNT_MISMATCH = "BANK_ACCOUNT_MISMATCH"
    MISSING_PERSON_ID = "MISSING_PERSON_ID"
    MISSING_TRANSFERRER_PERSON_ID = "MISSING_TRANSFERRER_PERSON_ID"
    UNKNOWN_PERSON_ID = "UNKNOWN_PERSON_ID"
    UNKNOWN_SALES_ACCOUNT = "UNKNOWN_SALES_ACCOUNT"
    INACTIVE_SALES_ACCOUNT = "INACTIVE_SALES_ACCOUNT"
    UNKNOWN_COST_CENTER = "UNKNOWN_COST_CENTER"
    INACTIVE_COST_CENTER = "INACTIVE_COST_CENTER"
    FORBIDDEN_ATTACHMENT_TYPE = "FORBIDDEN_ATTACHMENT_TYPE"
    DISGUISED_ATTACHMENT_TYPE = "DISGUISED_ATTACHMENT_TYPE"
    ATTACHMENT_TOO_LARGE = "ATTACHMENT_TOO_LARGE"
    NON_CP1252_TEXT = "NON_CP1252_TEXT"
    INVALID_EINVOICE_OPERATOR = "INVALID_EINVOICE_OPERATOR"
    BAD_BUSINESS_ID = "BAD_BUSINESS_ID"
    BAD_REFERENCE_NUMBER = "BAD_REFERENCE_NUMBER"
    DUE_DATE_BEFORE_INVOICE_DATE = "DUE_DATE_BEFORE_INVOICE_DATE"
    EMPTY_INVOICE = "EMPTY_INVOICE"
    CLOSED_PERIOD_DATE = "CLOSED_PERIOD_DATE"
    # company level
    COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR = "COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR"
    NO_DEFAULT_RECIPIENT = "NO_DEFAULT_RECIPIENT"


@dataclass(frozen=True)
class DefectInfo:
    scope: str  # "document" or "company"
    kinds: frozenset[DocumentKind]  # document kinds it can go on (empty for company defects)
    en: str
    fi: str
    # What Procountor answers if the sync let the defect through: the error ``message`` (a code such as
    # ERROR_OPERATOR, or Procountor's sentence) and the ``field`` it names, ``[n]`` standing for a row/transaction
    # index; any one of ``procountor_fields`` may be named. The Procountor sandbox's documented answers are the
    # reference (docs/sandbox-procountor.md); tests/integration/test_seed_defects_against_sandbox.py checks them.
    # None: Procountor would accept the document, so only the integration's own validation can catch it.
    procountor_code: str | None = None
    procountor_fields: tuple[str, ...] = ()
    attachment: bool = False  # needs attachments to be transferred (not with Google Drive)


DEFECTS: dict[Defect, DefectInfo] = {
    Defect.UNKNOWN_VAT_PERCENT: DefectInfo(
        "document",
        ALL_KINDS,
        "A row carries a VAT percentage Procountor never uses (17 %).",
        "Rivillä on ALV-prosentti, jota Procountorissa ei ole (17 %).",
        procountor_code="ERROR_VAT_PERCENTAGE",
        procountor_fields=("invoiceRows[n].vatPercent",),
    ),
    Defect.VAT_NOT_VALID_ON_DATE: DefectInfo(
        "document",
        ALL_KINDS,
        "A general-rate row uses the rate of the other period: 24 % on/after 2024-09-01, or 25.5 % before it.",
        "Yleisen verokannan rivillä on väärän ajan prosentti: 24 % 1.9.2024 alkaen tai 25,5 % ennen sitä.",
        procountor_code="ERROR_VAT_PERCENTAGE",
        procountor_fields=("invoiceRows[n].vatPercent",),
    ),
    Defect.BANK_ACCOUNT_MISMATCH: DefectInfo(
        "document",
        frozenset({SALES}),
        "The invoice's bank account (a valid IBAN) is not one of the company's bank accounts in Procountor.",
        "Laskun pankkitili (kelvollinen IBAN) ei ole yrityksen pankkitili Procountorissa.",
        procountor_code="ERROR_BANK_ACCOUNT",
        procountor_fields=("paymentInfo.bankAccount.accountNumber",),
    ),
    Defect.MISSING_PERSON_ID: DefectInfo(
        "document",
        REPORTS,
        "The report's owner has no Procountor person ID in Taimer.",
        "Raportin omistajalla ei ole Procountorin henkilö-ID:tä Taimerissa.",
    ),
    Defect.MISSING_TRANSFERRER_PERSON_ID: DefectInfo(
        "document",
        REPORTS,
        "The user transferring the report has no Procountor person ID (the owner has one).",
        "Raportin siirtäjällä ei ole Procountorin henkilö-ID:tä (omistajalla on).",
    ),
    Defect.UNKNOWN_PERSON_ID: DefectInfo(
        "document",
        REPORTS,
        "The owner's person ID does not exist among Procountor's persons.",
        "Omistajan henkilö-ID:tä ei löydy Procountorin henkilörekisteristä.",
        procountor_code="ERROR_PERSON_NOT_FOUND",
        procountor_fields=("partnerId",),
    ),
    Defect.UNKNOWN_SALES_ACCOUNT: DefectInfo(
        "document",
        frozenset({SALES}),
        "The invoice's sales account (3333) is not in Procountor's chart of accounts.",
        "Laskun myyntitiliä (3333) ei ole Procountorin tilikartassa.",
        procountor_code="ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION",
        procountor_fields=("transactions[n].account",),
    ),
    Defect.INACTIVE_SALES_ACCOUNT: DefectInfo(
        "document",
        frozenset({SALES}),
        "The invoice's sales account exists in Procountor but is inactive (3990).",
        "Laskun myyntitili on Procountorissa, mutta ei käytössä (3990).",
        procountor_code="ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION",
        procountor_fields=("transactions[n].account",),
    ),
    Defect.UNKNOWN_COST_CENTER: DefectInfo(
        "document",
        frozenset({SALES}),
        "The invoice's cost center (999) is not an item of Procountor's cost-center dimension.",
        "Laskun kustannuspaikkaa (999) ei ole Procountorin kustannuspaikkadimensiossa.",
    ),
    Defect.INACTIVE_COST_CENTER: DefectInfo(
        "document",
        frozenset({SALES}),
        "The invoice's cost center exists but is closed in Procountor (status P).",
        "Laskun kustannuspaikka on Procountorissa suljettu (tila P).",
        procountor_code="DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE",
        procountor_fields=("transactions[n].dimensionItemValues",),
    ),
    Defect.FORBIDDEN_ATTACHMENT_TYPE: DefectInfo(
        "document",
        ALL_KINDS,
        "An attachment is a PNG image (named .png): only gif, jpg/jpeg, pdf and txt may go with an invoice.",
        "Liite on PNG-kuva (.png): laskun mukana saa lähettää vain gif-, jpg-, pdf- ja txt-tiedostoja.",
        attachment=True,
    ),
    Defect.DISGUISED_ATTACHMENT_TYPE: DefectInfo(
        "document",
        ALL_KINDS,
        "An attachment named .pdf (claimed application/pdf) is really a Windows executable (MZ header).",
        "Liite on nimetty .pdf-tiedostoksi, mutta se on Windows-ohjelma (MZ-otsake).",
        attachment=True,
    ),
    Defect.ATTACHMENT_TOO_LARGE: DefectInfo(
        "document",
        ALL_KINDS,
        "An attachment is a valid PDF larger than 10,000,000 bytes (10,485,760 bytes).",
        "Liite on kelvollinen PDF, mutta yli 10 000 000 tavua (10 485 760 tavua).",
        procountor_code="File size too big",
        procountor_fields=("file",),
        attachment=True,
    ),
    Defect.NON_CP1252_TEXT: DefectInfo(
        "document",
        ALL_KINDS,
        "A row text contains characters outside Windows-1252 (e.g. Ł, ≈, ✓, emoji).",
        "Rivin tekstissä on merkkejä, joita Windows-1252 ei tunne (esim. Ł, ≈, ✓, emoji).",
        procountor_code="INVALID_CHARACTERS",
        procountor_fields=("invoiceRows[n].comment", "invoiceRows[n].product"),
    ),
    Defect.INVALID_EINVOICE_OPERATOR: DefectInfo(
        "document",
        frozenset({SALES}),
        "An e-invoice goes to a customer whose operator code is not a valid e-invoice operator.",
        "Verkkolasku menee asiakkaalle, jonka operaattoritunnus ei ole kelvollinen.",
        procountor_code="ERROR_OPERATOR",
        procountor_fields=("counterParty.einvoiceAddress.operator",),
    ),
    Defect.BAD_BUSINESS_ID: DefectInfo(
        "document",
        frozenset({SALES, BILL}),
        "The customer's (sales) or supplier's (bill) business ID has a wrong check digit.",
        "Asiakkaan (myynti) tai toimittajan (osto) Y-tunnuksen tarkiste on väärä.",
        procountor_code="ERROR_BRN_CODE",
        procountor_fields=("counterParty.identifier",),
    ),
    Defect.BAD_REFERENCE_NUMBER: DefectInfo(
        "document",
        frozenset({SALES, BILL}),
        "The reference number (Finnish or RF) has a wrong check digit.",
        "Viitenumeron (kotimainen tai RF) tarkiste on väärä.",
        procountor_code="ERROR_BANK_REFERENCE_CODE",
        procountor_fields=("paymentInfo.bankReferenceCode",),
    ),
    Defect.DUE_DATE_BEFORE_INVOICE_DATE: DefectInfo(
        "document",
        frozenset({SALES, BILL}),
        "The due date is before the invoice date.",
        "Eräpäivä on ennen laskun päivämäärää.",
        procountor_code="DUE_DATE_BEFORE_BILL_DATE",
        procountor_fields=("paymentInfo.dueDate",),
    ),
    Defect.EMPTY_INVOICE: DefectInfo(
        "document",
        ALL_KINDS,
        "The document has no rows at all (travel reports: no receipts, mileage or per-diem rows either).",
        "Asiakirjalla ei ole yhtään riviä (matkalaskulla ei myöskään kilometri- tai päivärahariviä).",
        procountor_code="Invoice must have at least one invoice row",
        procountor_fields=("invoiceRows",),
    ),
    Defect.CLOSED_PERIOD_DATE: DefectInfo(
        "document",
        ALL_KINDS,
        "The document date (and receipt dates) fall in a closed Procountor fiscal period.",
        "Asiakirjan päivämäärä (ja kuittien päivät) osuu Procountorin suljetulle kaudelle.",
        procountor_code="CLOSED_FISCAL_PERIOD",
        procountor_fields=("date",),
    ),
    Defect.COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR: DefectInfo(
        "company",
        frozenset(),
        "The Taimer company's bank account is not in Procountor: every sales invoice gets BANK_ACCOUNT_MISMATCH.",
        "Taimerin yrityksen pankkitili puuttuu Procountorista: jokainen myyntilasku saa BANK_ACCOUNT_MISMATCH-virheen.",
    ),
    Defect.NO_DEFAULT_RECIPIENT: DefectInfo(
        "company",
        frozenset(),
        "Taimer has no default purchase-invoice recipient: inbound bills that no rule routes stay unrouted.",
        "Taimerissa ei ole ostolaskujen oletusvastaanottajaa: sääntöjen ulkopuoliset ostolaskut jäävät kohdistamatta.",
    ),
}

DOCUMENT_DEFECTS = [d for d, info in DEFECTS.items() if info.scope == "document"]
COMPANY_DEFECTS = [d for d, info in DEFECTS.items() if info.scope == "company"]


def parse_defects(text: str | None) -> list[Defect] | None:
    """``"A,B"`` → ``[Defect.A, Defect.B]``; ``None``/empty → None (= all document defects)."""
    if not text:
        return None
    out = []
    for name in text.split(","):
        name = name.strip().upper()
        if not name:
            continue
        try:
            out.append(Defect(name))
        except ValueError:
            known = ", ".join(d.value for d in Defect)
            raise ValueError(f"unknown defect {name!r}; known: {known}") from None
    return out


# Answers real Procountor gives (docs/sandbox-procountor.md, "Business rules and their codes"); the other answers
# are the sandbox's documented choices.
REAL_PROCOUNTOR_ANSWERS = frozenset(
    {
        "ERROR_VATSTATUS_VATPERC",
        "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION",
        "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE",
        "CLOSED_FISCAL_PERIOD",
        "ERROR_BRN_CODE",
        "DUE_DATE_BEFORE_BILL_DATE",
        "ERROR_OPERATOR",
        "File size too big",
    }
)

# Document defects Procountor would accept: only the integration's own validation (outbound issue) can catch them.
OWN_VALIDATION_DEFECTS = [d for d in DOCUMENT_DEFECTS if DEFECTS[d].procountor_code is None]


def procountor_answer_text(info: DefectInfo) -> str:
    """``CODE on `field` `` for the docs table, with "(sandbox)" when the code is the sandbox's own choice."""
    if info.procountor_code is None:
        return "— (own validation)" if info.scope == "document" else ""
    fields = " or ".join(f"`{f}`" for f in info.procountor_fields)
    own = "" if info.procountor_code in REAL_PROCOUNTOR_ANSWERS else " (sandbox)"
    return f"{info.procountor_code}{own} on {fields}"


def defect_table_markdown() -> str:
    lines = ["| defect | scope | on | meaning | Procountor's answer |", "|---|---|---|---|---|"]
    for defect, info in DEFECTS.items():
        kinds = ", ".join(sorted(k.value for k in info.kinds)) or "company"
        lines.append(f"| `{defect.value}` | {info.scope} | {kinds} | {info.en} | {procountor_answer_text(info)} |")
    return "\n".join(lines)


# The catalogue code the integration's outbound validation gives each document defect of a sales invoice, before
# anything is sent (attachment defects: the attachment's code; the invoice itself still goes). The outbound defect
# tests expect exactly these; the other kinds add theirs when their transforms land.
OUTBOUND_EXPECTED_CODES: dict[DocumentKind, dict[Defect, str]] = {
    SALES: {
        Defect.UNKNOWN_VAT_PERCENT: "OUTBOUND_VAT_PERCENT_NOT_IN_USE",
        Defect.VAT_NOT_VALID_ON_DATE: "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE",
        Defect.BANK_ACCOUNT_MISMATCH: "OUTBOUND_BANK_ACCOUNT_NOT_IN_PROCOUNTOR",
        Defect.UNKNOWN_SALES_ACCOUNT: "OUTBOUND_SALES_ACCOUNT_UNKNOWN",
        Defect.INACTIVE_SALES_ACCOUNT: "OUTBOUND_SALES_ACCOUNT_INACTIVE",
        Defect.UNKNOWN_COST_CENTER: "OUTBOUND_COST_CENTER_UNKNOWN",
        Defect.INACTIVE_COST_CENTER: "OUTBOUND_COST_CENTER_INACTIVE",
        Defect.FORBIDDEN_ATTACHMENT_TYPE: "OUTBOUND_ATTACHMENT_TYPE_NOT_ALLOWED",
        Defect.DISGUISED_ATTACHMENT_TYPE: "OUTBOUND_ATTACHMENT_TYPE_DISGUISED",
        Defect.ATTACHMENT_TOO_LARGE: "OUTBOUND_ATTACHMENT_TOO_LARGE",
        Defect.NON_CP1252_TEXT: "OUTBOUND_TEXT_NOT_CP1252",
        Defect.INVALID_EINVOICE_OPERATOR: "OUTBOUND_EINVOICE_OPERATOR_INVALID",
        Defect.BAD_BUSINESS_ID: "OUTBOUND_BUSINESS_ID_INVALID",
        Defect.BAD_REFERENCE_NUMBER: "OUTBOUND_REFERENCE_NUMBER_INVALID",
        Defect.DUE_DATE_BEFORE_INVOICE_DATE: "OUTBOUND_DUE_DATE_BEFORE_INVOICE_DATE",
        Defect.EMPTY_INVOICE: "OUTBOUND_NO_ROWS",
        Defect.CLOSED_PERIOD_DATE: "OUTBOUND_CLOSED_FISCAL_PERIOD",
    },
    BILL: {
        Defect.UNKNOWN_VAT_PERCENT: "OUTBOUND_VAT_PERCENT_NOT_IN_USE",
        Defect.VAT_NOT_VALID_ON_DATE: "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE",
        Defect.FORBIDDEN_ATTACHMENT_TYPE: "OUTBOUND_ATTACHMENT_TYPE_NOT_ALLOWED",
        Defect.DISGUISED_ATTACHMENT_TYPE: "OUTBOUND_ATTACHMENT_TYPE_DISGUISED",
        Defect.ATTACHMENT_TOO_LARGE: "OUTBOUND_ATTACHMENT_TOO_LARGE",
        Defect.NON_CP1252_TEXT: "OUTBOUND_TEXT_NOT_CP1252",
        Defect.BAD_BUSINESS_ID: "OUTBOUND_BUSINESS_ID_INVALID",
        Defect.BAD_REFERENCE_NUMBER: "OUTBOUND_REFERENCE_NUMBER_INVALID",
        Defect.DUE_DATE_BEFORE_INVOICE_DATE: "OUTBOUND_DUE_DATE_BEFORE_INVOICE_DATE",
        Defect.EMPTY_INVOICE: "OUTBOUND_NO_ROWS",
        Defect.CLOSED_PERIOD_DATE: "OUTBOUND_CLOSED_FISCAL_PERIOD",
    },
}
# Travel and expense reports share their defects and codes (both are a person's report).
_REPORT_CODES: dict[Defect, str] = {
    Defect.UNKNOWN_VAT_PERCENT: "OUTBOUND_VAT_PERCENT_NOT_IN_USE",
    Defect.VAT_NOT_VALID_ON_DATE: "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE",
    Defect.MISSING_PERSON_ID: "OUTBOUND_OWNER_PERSON_ID_MISSING",
    Defect.MISSING_TRANSFERRER_PERSON_ID: "OUTBOUND_TRANSFERRER_PERSON_ID_MISSING",
    Defect.UNKNOWN_PERSON_ID: "OUTBOUND_PERSON_ID_UNKNOWN",
    Defect.FORBIDDEN_ATTACHMENT_TYPE: "OUTBOUND_ATTACHMENT_TYPE_NOT_ALLOWED",
    Defect.DISGUISED_ATTACHMENT_TYPE: "OUTBOUND_ATTACHMENT_TYPE_DISGUISED",
    Defect.ATTACHMENT_TOO_LARGE: "OUTBOUND_ATTACHMENT_TOO_LARGE",
    Defect.NON_CP1252_TEXT: "OUTBOUND_TEXT_NOT_CP1252",
    Defect.EMPTY_INVOICE: "OUTBOUND_NO_ROWS",
    Defect.CLOSED_PERIOD_DATE: "OUTBOUND_CLOSED_FISCAL_PERIOD",
}
OUTBOUND_EXPECTED_CODES[EXPENSE] = dict(_REPORT_CODES)
OUTBOUND_EXPECTED_CODES[TRAVEL] = dict(_REPORT_CODES)
