"""Catalogue entries of the reference-data sync (Procountor -> ledger snapshot -> Taimer)."""

from taimer_procountor.errors.entry import ErrorEntry, FixWhere

REFERENCE_CODES: tuple[ErrorEntry, ...] = (
    ErrorEntry(
        "REFERENCE_BANK_ACCOUNT_MISMATCH",
        "Taimerissa oleva yrityksen pankkitili ei vastaa mitään Procountorissa olevaa pankkitiliä. Laskut tällä "
        "tilillä pysähtyvät.",
        "A company bank account in Taimer matches none of the company's bank accounts in Procountor. Invoices "
        "carrying it will be stopped.",
        "Varmista, että Taimerissa oleva yrityksesi pankkitili vastaa Procountorissa olevaa pankkitiliä: korjaa "
        "IBAN Taimerin yritysasetuksissa tai lisää tili Procountoriin (Perustiedot > Pankkitilit).",
        "Make sure the company bank account in Taimer matches the one in Procountor: correct the IBAN in Taimer's "
        "company settings, or add the account in Procountor (Basics > Bank accounts).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "REFERENCE_BANK_ACCOUNT_INACTIVE",
        "Taimerissa oleva yrityksen pankkitili on Procountorissa, mutta se ei ole käytössä.",
        "A company bank account in Taimer exists in Procountor but is not active there.",
        "Ota tili käyttöön Procountorissa (Perustiedot > Pankkitilit) tai vaihda Taimeriin käytössä oleva tili.",
        "Activate the account in Procountor (Basics > Bank accounts), or put an active account in Taimer.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "REFERENCE_BANK_ACCOUNT_INVALID_IBAN",
        "Taimerissa oleva yrityksen pankkitili ei ole kelvollinen IBAN.",
        "A company bank account in Taimer is not a valid IBAN.",
        "Korjaa IBAN Taimerin yritysasetuksissa (tarkistusnumero, pituus, maatunnus).",
        "Correct the IBAN in Taimer's company settings (check digits, length, country code).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "REFERENCE_NO_TAIMER_BANK_ACCOUNT",
        "Taimerin yritysasetuksissa ei ole pankkitiliä.",
        "Taimer's company settings hold no bank account.",
        "Lisää yrityksen pankkitili (sama kuin Procountorissa) Taimerin yritysasetuksiin.",
        "Add the company's bank account (the same as in Procountor) to Taimer's company settings.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "REFERENCE_PERSON_AMBIGUOUS",
        "Procountorin henkilö sopii useaan Taimerin käyttäjään (tai käyttäjä useaan henkilöön); henkilö-ID:tä ei "
        "asetettu.",
        "A Procountor person fits several Taimer users (or a user fits several persons); no person ID was set.",
        "Tee henkilötunnuksesta tai sähköpostiosoitteesta yksiselitteinen: korjaa käyttäjän tiedot Taimerissa tai "
        "henkilön tiedot Procountorin henkilörekisterissä.",
        "Make the personal identifier or e-mail unique: correct the user in Taimer or the person in Procountor's "
        "person register.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "REFERENCE_PERSON_UNMATCHED",
        "Procountorin henkilölle ei löytynyt Taimerin käyttäjää henkilötunnuksella eikä sähköpostilla.",
        "No Taimer user matches the Procountor person by personal identifier or e-mail.",
        "Jos henkilö on Taimerin käyttäjä, lisää käyttäjälle sama sähköpostiosoite kuin Procountorissa; muuten "
        "ei toimenpiteitä.",
        "If the person uses Taimer, give the user the same e-mail address as in Procountor; otherwise nothing to do.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "REFERENCE_USER_PERSON_ID_UNKNOWN",
        "Taimerin käyttäjän Procountor-henkilö-ID:tä ei löydy Procountorin henkilörekisteristä.",
        "A Taimer user's Procountor person ID is not in Procountor's person register.",
        "Korjaa käyttäjän henkilö-ID Taimerissa tai lisää henkilö Procountorin henkilörekisteriin.",
        "Correct the user's person ID in Taimer, or add the person to Procountor's person register.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "REFERENCE_DIMENSION_NOT_FOUND",
        "Procountorista ei löytynyt kustannuspaikkadimensiota annetulla nimellä; kustannuspaikkoja ei päivitetty.",
        "Procountor has no dimension of the configured cost-center name; cost centers were not updated.",
        "Tarkista DAGin parametri cost_center_dimension (oletus Kustannuspaikka) tai dimension nimi Procountorissa.",
        "Check the DAG parameter cost_center_dimension (default Kustannuspaikka) or the dimension's name in "
        "Procountor.",
        FixWhere.INTEGRATION,
    ),
    ErrorEntry(
        "REFERENCE_ITEM_INVALID",
        "Procountorin perustietorivi oli virheellinen (esim. tuotteelta puuttuu nimi tai dimension arvolta koodi), "
        "joten se ohitettiin; rivin edellinen kelvollinen tieto jäi voimaan. Muut rivit synkronoitiin.",
        "A Procountor reference row was malformed (e.g. a product without a name, a dimension item without a code) "
        "and was skipped; its last good copy stays in use. The other rows were synced.",
        "Korjaa raportissa mainittu rivi (laji ja tunniste) Procountorissa; seuraava ajo ottaa sen mukaan.",
        "Correct the row named in the report (kind and id) in Procountor; the next run picks it up.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "REFERENCE_ITEM_DUPLICATE_KEY",
        "Procountor palautti saman tunnisteen usealla perustietorivillä; mitään niistä ei otettu, vaan tunnisteen "
        "edellinen kelvollinen tieto jäi voimaan.",
        "Procountor returned one id on several reference rows; none of them was taken, and the id's last good copy "
        "stays in use.",
        "Poista tai korjaa Procountorissa kaksoiskappale (raportissa laji ja tunniste).",
        "Remove or correct the duplicate in Procountor (the report names the kind and the id).",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "REFERENCE_IDENTIFIER_RULE_DISABLED",
        "Henkilötunnukseen perustuva henkilöiden yhdistäminen on pois päältä, koska pseudonymisointiavainta ei ole "
        "asetettu; henkilöt yhdistetään vain sähköpostilla.",
        "Matching persons by personal identifier is off because no pseudonym key is set; persons are matched by "
        "e-mail only.",
        "Aseta ledger-yhteyden (taimer_procountor_ledger) extra-kenttään pseudonym_key, esim. "
        'python -c "import secrets; print(secrets.token_hex(32))", tai ympäristömuuttuja '
        "TAIMER_PROCOUNTOR_PSEUDONYM_KEY.",
        "Set pseudonym_key in the extra of the ledger connection (taimer_procountor_ledger), e.g. from "
        'python -c "import secrets; print(secrets.token_hex(32))", or the environment variable '
        "TAIMER_PROCOUNTOR_PSEUDONYM_KEY.",
        FixWhere.INTEGRATION,
    ),
    ErrorEntry(
        "REFERENCE_TAIMER_WRITE_FAILED",
        "Perustietojen kirjoitus Taimeriin epäonnistui; seuraava ajo yrittää uudelleen.",
        "Writing reference data to Taimer failed; the next run tries again.",
        "Katso virheen tarkempi koodi; jos vika on ohimenevä, toimenpiteitä ei tarvita.",
        "See the underlying error code; if the fault was transient, nothing to do.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "REFERENCE_STEP_FAILED",
        "Perustietojen synkronoinnin vaihe epäonnistui kaikkien uusintayritysten jälkeen.",
        "A step of the reference-data sync failed after all its retries.",
        "Katso tehtävän loki Airflow'ssa (virheen koodi ja kenttä); korjaa yhteys tai tieto ja aja DAG uudelleen.",
        "Read the task's log in Airflow (the error's code and field); fix the connection or the data and rerun the "
        "DAG.",
        FixWhere.INTEGRATION,
    ),
)
