"""Catalogue entries of the outbound kinds beyond sales invoices: purchase invoices typed into Taimer, travel and
expense reports (person IDs, travel products, receipts), and the marking of company-money receipts as paid.

Person-ID codes name the person (name and Taimer user id) in the error's detail; each says where the ID is set: in
the Taimer user's profile, once the reference sync has fetched Procountor's person IDs (docs/outbound.md, "Person
IDs").
"""

from taimer_procountor.errors.entry import ErrorEntry, FixWhere

_WHERE_FI = (
    "Hae henkilö-ID:t Taimerin Procountor-asetuksista (viitetietojen synkronointi) ja aseta ID henkilön profiiliin "
    "Taimerissa."
)
_WHERE_EN = (
    "Fetch the person IDs in Taimer's Procountor settings (the reference sync) and set the ID in the person's "
    "profile in Taimer."
)

OUTBOUND_KINDS_CODES: tuple[ErrorEntry, ...] = (
    # --- person IDs (travel and expense reports) ------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_OWNER_PERSON_ID_MISSING",
        "Raportin omistajalla ei ole Procountorin henkilö-ID:tä Taimerissa.",
        "The report's owner has no Procountor person ID in Taimer.",
        _WHERE_FI,
        _WHERE_EN,
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_TRANSFERRER_PERSON_ID_MISSING",
        "Raportin siirtäjällä ei ole Procountorin henkilö-ID:tä Taimerissa.",
        "The user transferring the report has no Procountor person ID in Taimer.",
        _WHERE_FI,
        _WHERE_EN,
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_PERSON_ID_UNKNOWN",
        "Henkilö-ID:tä ei ole Procountorin henkilörekisterissä.",
        "The person ID is not in Procountor's person register.",
        "Tarkista henkilön ID Taimerin profiilissa; " + _WHERE_FI[0].lower() + _WHERE_FI[1:],
        "Check the person's ID in their Taimer profile; " + _WHERE_EN[0].lower() + _WHERE_EN[1:],
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_PERSON_INACTIVE",
        "Henkilö ei ole aktiivinen Procountorin henkilörekisterissä.",
        "The person is not active in Procountor's person register.",
        "Aktivoi henkilö Procountorissa tai aseta Taimerin profiiliin aktiivisen henkilön ID.",
        "Activate the person in Procountor, or set an active person's ID in the Taimer profile.",
        FixWhere.PROCOUNTOR,
    ),
    # --- travel reports ---------------------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_TRAVEL_PRODUCT_MISSING",
        "Päiväraha- tai kilometririviltä puuttuu Procountorin matkatuote.",
        "A per-diem or mileage row has no Procountor travel product.",
        "Valitse rivin päiväraha- tai kilometrikorvauslaji Taimerissa (Procountorin matkatuotteet).",
        "Pick the row's per-diem or mileage type in Taimer (Procountor's travel products).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_TRAVEL_PRODUCT_NOT_VALID",
        "Rivin tuote ei ole Procountorin matkatuote, joka on voimassa rivin päivänä.",
        "The row's product is not a Procountor travel product valid on the row's date.",
        "Valitse Taimerissa rivin päivänä voimassa oleva korvauslaji (Procountorin tuoterekisteri, tyyppi matka).",
        "Pick an allowance type valid on the row's date in Taimer (Procountor's product register, type travel).",
        FixWhere.TAIMER,
    ),
    # --- receipts ---------------------------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_RECEIPT_AMOUNT_MISSING",
        "Kuitin summa puuttuu tai on nolla (0,00).",
        "A receipt's amount is missing (0.00).",
        "Kirjaa kuitin summa kululaskulle Taimerissa.",
        "Enter the receipt's amount on the report in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_RECEIPT_DATE_CLOSED_PERIOD",
        "Yrityksen rahalla maksetun kuitin maksupäivä osuu Procountorissa suljetulle kaudelle, joten sitä ei voi "
        "merkitä maksetuksi.",
        "A company-money receipt's payment date falls in a period closed in Procountor, so it cannot be marked paid.",
        "Korjaa kuitin maksupäivä Taimerissa tai avaa kausi Procountorissa.",
        "Correct the receipt's payment date in Taimer, or open the period in Procountor.",
        FixWhere.TAIMER,
    ),
    # --- purchase invoices --------------------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_SUPPLIER_IBAN_MISSING",
        "Ostolaskulta puuttuu toimittajan tilinumero (IBAN).",
        "The purchase invoice has no supplier bank account (IBAN).",
        "Lisää toimittajan IBAN ostolaskulle Taimerissa.",
        "Add the supplier's IBAN to the bill in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_SUPPLIER_IBAN_INVALID",
        "Toimittajan tilinumero ei ole kelvollinen IBAN (tarkiste tai muoto).",
        "The supplier's bank account is not a valid IBAN (check digits or format).",
        "Korjaa toimittajan IBAN ostolaskulle Taimerissa.",
        "Correct the supplier's IBAN on the bill in Taimer.",
        FixWhere.TAIMER,
    ),
    # --- company money marked paid ------------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_RECEIPT_MARK_PAID_FAILED",
        "Yrityksen rahalla maksetun kuitin merkitseminen maksetuksi Procountorissa epäonnistui.",
        "Marking a company-money receipt paid in Procountor failed.",
        "Katso virheen tarkenne; seuraava ajo yrittää uudelleen, kun syy on korjattu.",
        "See the error's detail; the next run tries again once the cause is fixed.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "OUTBOUND_RECEIPT_MARK_PAID_UNKNOWN",
        "Kuitin maksumerkinnän tulos jäi epäselväksi (aikakatkaisu tai katkennut yhteys).",
        "The outcome of marking a receipt paid is unknown (timeout or dropped connection).",
        "Ei toimenpiteitä: seuraava ajo tarkistaa laskun maksutapahtumat ennen kuin merkitsee kuitin uudelleen.",
        "Nothing to do: the next run checks the invoice's payment events before marking the receipt again.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
)
