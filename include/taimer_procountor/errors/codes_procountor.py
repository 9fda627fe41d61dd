"""Codes that Procountor answers, plus the HTTP-level failures of talking to it.

Procountor publishes no full list of its validation codes. These are the ones seen from the real API and the ones
the Procountor sandbox answers where the public record names none (``ERROR_VAT_PERCENTAGE``, ``ERROR_BANK_ACCOUNT``,
``ERROR_BANK_REFERENCE_CODE``, ``INVALID_CHARACTERS``, ``ERROR_VERSION_CONFLICT``,
``DIMENSION_VALUES_DO_NOT_MATCH_TRANSACTION_VALUE``, ``ERROR_PRODUCT_NOT_FOUND``, ``ERROR_PERSON_NOT_FOUND``; see
docs/sandbox-procountor.md). A code not listed still keeps its own code in every report (``catalogue.lookup``).
"""

from taimer_procountor.errors.entry import ErrorEntry, FixWhere

PROCOUNTOR_CODES: tuple[ErrorEntry, ...] = (
    ErrorEntry(
        "ERROR_OPERATOR",
        "Verkkolaskuoperaattorin tunnus on virheellinen.",
        "The e-invoice operator code is invalid.",
        "Korjaa asiakkaan verkkolaskuoperaattori Taimerin asiakastietoihin.",
        "Correct the customer's e-invoice operator in Taimer's customer record.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "ERROR_VATSTATUS_VATPERC",
        "Rivin ALV-käsittely ja ALV-prosentti eivät sovi yhteen.",
        "The row's VAT status and VAT percentage do not match.",
        "Tarkista laskurivin ALV-prosentti Taimerissa ja ALV-käsittelyt Procountorissa.",
        "Check the row's VAT percentage in Taimer and the VAT statuses in Procountor.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION",
        "Kirjanpitotiliä ei ole tilikartassa tai tili ei salli tätä ALV-prosenttia.",
        "The ledger account is not in the chart of accounts, or it does not allow this VAT percentage.",
        "Valitse laskulle voimassa oleva myyntitili Taimerissa tai salli ALV-prosentti tilille Procountorissa.",
        "Pick an active sales account for the invoice in Taimer, or allow the VAT percentage on the account in "
        "Procountor.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE",
        "Kustannuspaikkaa (dimensiota tai sen nimikettä) ei löydy, tai se on suljettu.",
        "The cost center (dimension or dimension item) is unknown, closed or deleted.",
        "Valitse voimassa oleva kustannuspaikka Taimerissa ja päivitä kustannuspaikat Procountorista.",
        "Pick an active cost center in Taimer and refresh the cost centers from Procountor.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "CLOSED_FISCAL_PERIOD",
        "Laskun päivämäärä osuu suljetulle tilikaudelle tai kaudelle.",
        "The invoice date falls in a closed fiscal year or period.",
        "Muuta laskun päivämäärää Taimerissa tai avaa kausi Procountorissa.",
        "Change the invoice date in Taimer or reopen the period in Procountor.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "DUE_DATE_BEFORE_BILL_DATE",
        "Eräpäivä on ennen laskun päivämäärää.",
        "The due date is before the invoice date.",
        "Korjaa laskun eräpäivä Taimerissa.",
        "Correct the invoice's due date in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "ERROR_BRN_CODE",
        "Y-tunnus tai ALV-numero on virheellinen tai puuttuu.",
        "The business ID or VAT number is invalid or missing.",
        "Korjaa asiakkaan tai toimittajan Y-tunnus Taimerissa.",
        "Correct the customer's or supplier's business ID in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "ERROR_VAT_PERCENTAGE",
        "Rivin ALV-prosentti ei ole yrityksen käytössä tälle laskutyypille tai ei ole voimassa laskun päivämääränä.",
        "The row's VAT percentage is not in use for this kind of invoice, or not valid on the invoice date.",
        "Korjaa rivin ALV-prosentti Taimerissa (laskun päivämääränä voimassa oleva verokanta).",
        "Correct the row's VAT percentage in Taimer (the rate valid on the invoice date).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "ERROR_BANK_ACCOUNT",
        "Laskun pankkitili ei ole mikään yrityksen käytössä olevista pankkitileistä Procountorissa.",
        "The invoice's bank account is not one of the company's active bank accounts in Procountor.",
        "Korjaa IBAN laskulla tai Taimerin yritysasetuksissa, tai lisää tili Procountoriin (Perustiedot > "
        "Pankkitilit).",
        "Correct the IBAN on the invoice or in Taimer's company settings, or add the account in Procountor "
        "(Basics > Bank accounts).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "ERROR_BANK_REFERENCE_CODE",
        "Viitenumero on virheellinen (tarkiste ei täsmää).",
        "The reference number is invalid (its check digit does not match).",
        "Korjaa laskun viitenumero Taimerissa tai jätä se tyhjäksi, jolloin Procountor muodostaa sen.",
        "Correct the invoice's reference number in Taimer, or leave it empty so Procountor generates one.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "INVALID_CHARACTERS",
        "Tekstissä on merkkejä, jotka eivät kuulu Windows-1252-merkistöön.",
        "A text holds characters outside the Windows-1252 character set.",
        "Poista tai korvaa kentän merkit Taimerissa (esim. emoji, ✓, ≈, Ł).",
        "Remove or replace the field's characters in Taimer (e.g. emoji, ✓, ≈, Ł).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "ERROR_VERSION_CONFLICT",
        "Procountorissa oleva lasku tai tosite muuttui samaan aikaan (versio ei ole enää ajantasainen).",
        "The invoice or receipt changed in Procountor meanwhile (the version sent is no longer current).",
        "Ei toimenpiteitä yleensä: seuraava ajo lukee nykyisen version. Jos toistuu, tarkista lasku Procountorissa.",
        "Usually nothing to do: the next run reads the current version. If it persists, check the invoice in "
        "Procountor.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "DIMENSION_VALUES_DO_NOT_MATCH_TRANSACTION_VALUE",
        "Kustannuspaikkojen osuudet eivät täsmää tositerivin summaan.",
        "The cost-center amounts do not add up to the ledger transaction's amount.",
        "Ilmoita integraation ylläpidolle (integraatio jakaa summan); korjaa kohdistus tarvittaessa Procountorissa.",
        "Report it to the integration's maintainers (the integration splits the amount); correct the allocation in "
        "Procountor if needed.",
        FixWhere.INTEGRATION,
    ),
    ErrorEntry(
        "ERROR_PRODUCT_NOT_FOUND",
        "Rivin tuotetta ei ole Procountorin tuoterekisterissä.",
        "The row's product is not in Procountor's product register.",
        "Korjaa tuotteen Procountor-tuote Taimerissa ja aja perustietojen synkronointi.",
        "Correct the product's Procountor product in Taimer and run the reference sync.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "ERROR_PERSON_NOT_FOUND",
        "Laskun henkilöä (partnerId) ei ole Procountorin henkilörekisterissä.",
        "The invoice's person (partnerId) is not in Procountor's person register.",
        "Korjaa käyttäjän Procountor-henkilö-ID Taimerissa tai lisää henkilö Procountoriin.",
        "Correct the user's Procountor person ID in Taimer, or add the person in Procountor.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "INVALID_OVT",
        "Verkkolaskun OVT-tunnus (EDI-tunniste) on virheellinen.",
        "The e-invoice's OVT (EDI identifier) is invalid.",
        "Korjaa asiakkaan verkkolaskuosoite Taimerin asiakastietoihin.",
        "Correct the customer's e-invoice address in Taimer's customer record.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OVT_NOT_ALLOWED",
        "OVT-tunnusta (EDI-tunniste) ei voi käyttää tässä Procountor-ympäristössä.",
        "An OVT (EDI identifier) cannot be used in this Procountor environment.",
        "Ilmoita integraation ylläpidolle; poista OVT-tunnus asiakkaalta Taimerissa.",
        "Report it to the integration's maintainers; remove the OVT from the customer in Taimer.",
        FixWhere.INTEGRATION,
    ),
    ErrorEntry(
        "UNABLE_TO_GET_CONNECTION",
        "Procountorin palvelu oli ylikuormittunut eikä saanut tietokantayhteyttä.",
        "Procountor's service was overloaded and could not get a database connection.",
        "Ei toimenpiteitä: ajo yrittää uudelleen tai seuraava ajo jatkaa.",
        "Nothing to do: the run retries, or the next run carries on.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "PROCOUNTOR_UNAUTHORIZED",
        "Procountor hylkäsi tunnistautumisen (API-avain, client id tai salaisuus).",
        "Procountor refused authentication (API key, client id or secret).",
        "Tarkista Airflow-yhteys procountor_default: client id, salaisuus ja API-avain.",
        "Check the Airflow connection procountor_default: client id, secret and API key.",
        FixWhere.INTEGRATION,
    ),
    ErrorEntry(
        "PROCOUNTOR_FORBIDDEN",
        "Procountor kielsi toimenpiteen: puuttuvat oikeudet tai laskun tila ei salli sitä.",
        "Procountor forbade the action: missing rights, or the invoice's status does not allow it.",
        "Tarkista API-käyttäjän oikeudet ja laskun tila Procountorissa.",
        "Check the API user's rights and the invoice's status in Procountor.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "PROCOUNTOR_NOT_FOUND",
        "Procountorista ei löytynyt pyydettyä kohdetta.",
        "Procountor did not find the requested object.",
        "Tarkista, onko kohde poistettu Procountorista.",
        "Check whether the object was deleted in Procountor.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "PROCOUNTOR_VALIDATION",
        "Procountor hylkäsi tiedot (tarkempi syy kentässä ja viestissä).",
        "Procountor refused the data (see the field and message for the reason).",
        "Korjaa kenttä, jonka virhe nimeää, Taimerissa.",
        "Correct the field the error names, in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "PROCOUNTOR_RATE_LIMITED",
        "Procountor rajoitti pyyntöjen määrää (429).",
        "Procountor throttled the requests (429).",
        "Ei toimenpiteitä: ajo yrittää uudelleen. Jos toistuu, laske yhteyden pyyntörajaa.",
        "Nothing to do: the run retries. If it persists, lower the connection's request rate.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "PROCOUNTOR_SERVER_ERROR",
        "Procountorin palvelin vastasi virheellä (5xx).",
        "Procountor's server answered with an error (5xx).",
        "Ei toimenpiteitä: ajo yrittää uudelleen tai seuraava ajo jatkaa.",
        "Nothing to do: the run retries, or the next run carries on.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "PROCOUNTOR_UNREACHABLE",
        "Procountoriin ei saatu yhteyttä tai vastaus aikakatkaistiin.",
        "Procountor could not be reached, or the answer timed out.",
        "Ei toimenpiteitä: ajo yrittää uudelleen. Jos toistuu, tarkista yhteyden osoite.",
        "Nothing to do: the run retries. If it persists, check the connection's host.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "PROCOUNTOR_OUTCOME_UNKNOWN",
        "Procountorille lähetetyn pyynnön lopputulos jäi epäselväksi (aikakatkaisu, katkennut yhteys tai 5xx "
        "lähettämisen jälkeen).",
        "The outcome of a request sent to Procountor is unknown (timeout, dropped connection or 5xx after sending).",
        "Ei toimenpiteitä: synkronointi tarkistaa Procountorista (originalInvoiceNumber), syntyikö kohde, ennen kuin "
        "lähettää uudelleen.",
        "Nothing to do: the sync looks the document up in Procountor (originalInvoiceNumber) before sending it again.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "PROCOUNTOR_MALFORMED_ANSWER",
        "Procountorin vastaus ei ollut rajapinnan mukainen (esim. puuttuva tai väärän tyyppinen kenttä, ei JSONia), "
        "joten sitä ei käytetty.",
        "Procountor's answer did not match its API (e.g. a missing or mistyped field, not JSON), so it was not used.",
        "Virheessä on kentät, jotka eivät kelvanneet. Jos toistuu, ilmoita Procountorin tukeen ja integraation "
        "ylläpidolle.",
        "The error names the fields that did not fit. If it persists, report it to Procountor's support and the "
        "integration's maintainers.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "PROCOUNTOR_PAGING_RUNAWAY",
        "Procountorin hakutulos ei päättynyt: sama sivu toistui tai sivuja oli enemmän kuin sallittu enimmäismäärä.",
        "Procountor's search did not end: a page repeated, or there were more pages than the allowed maximum.",
        "Ilmoita Procountorin tukeen ja integraation ylläpidolle. Jos tulos on oikeasti näin pitkä, nosta sivujen "
        "enimmäismäärää (max_pages).",
        "Report it to Procountor's support and the integration's maintainers. If the result is really that long, "
        "raise the maximum number of pages (max_pages).",
        FixWhere.PROCOUNTOR,
    ),
)
