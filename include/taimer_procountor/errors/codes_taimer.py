"""Catalogue entries for failures of talking to Taimer (the Taimer adapter's own codes)."""

from taimer_procountor.errors.entry import ErrorEntry, FixWhere

TAIMER_CODES: tuple[ErrorEntry, ...] = (
    ErrorEntry(
        "TAIMER_UNAUTHORIZED",
        "Taimer hylkäsi API-avaimen.",
        "Taimer refused the API key.",
        "Tarkista Airflow-yhteyden taimer_default salasana (API-avain).",
        "Check the password (API key) of the Airflow connection taimer_default.",
        FixWhere.INTEGRATION,
    ),
    ErrorEntry(
        "TAIMER_NOT_FOUND",
        "Taimerista ei löytynyt pyydettyä kohdetta.",
        "Taimer did not find the requested object.",
        "Tarkista, onko dokumentti poistettu Taimerista.",
        "Check whether the document was deleted in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "TAIMER_VALIDATION",
        "Taimer hylkäsi integraation lähettämät tiedot.",
        "Taimer refused the data the integration sent.",
        "Katso virheen kenttä; korjaa tieto Procountorissa tai ilmoita integraation ylläpidolle.",
        "See the error's field; correct the data in Procountor or report it to the integration's maintainers.",
        FixWhere.INTEGRATION,
    ),
    ErrorEntry(
        "TAIMER_ATTACHMENT_UNAVAILABLE",
        "Liitteen sisältöä ei ole Taimerissa (esim. Google Drivessa), joten liitettä ei siirretty.",
        "Taimer does not hold the attachment's content (e.g. it is in Google Drive), so it was not transferred.",
        "Lisää liite laskulle Procountorissa tai poista Google Drive -yhteys Taimerista.",
        "Add the attachment to the invoice in Procountor, or remove the Google Drive connection in Taimer.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "TAIMER_SERVER_ERROR",
        "Taimerin palvelin vastasi virheellä (5xx).",
        "Taimer's server answered with an error (5xx).",
        "Ei toimenpiteitä: ajo yrittää uudelleen tai seuraava ajo jatkaa.",
        "Nothing to do: the run retries, or the next run carries on.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "TAIMER_RATE_LIMITED",
        "Taimer rajoitti pyyntöjen määrää (429).",
        "Taimer throttled the requests (429).",
        "Ei toimenpiteitä. Jos toistuu, laske yhteyden taimer_default pyyntörajaa (rate_per_second).",
        "Nothing to do. If it persists, lower rate_per_second on the connection taimer_default.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "TAIMER_UNREACHABLE",
        "Taimeriin ei saatu yhteyttä tai vastaus aikakatkaistiin.",
        "Taimer could not be reached, or the answer timed out.",
        "Ei toimenpiteitä: ajo yrittää uudelleen. Jos toistuu, tarkista yhteyden taimer_default osoite.",
        "Nothing to do: the run retries. If it persists, check the host of the connection taimer_default.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "TAIMER_OUTCOME_UNKNOWN",
        "Taimeriin kirjoittaminen katkesi: ei tiedetä, tallentuiko tieto.",
        "A write to Taimer was cut off: it is not known whether it took effect.",
        "Ei toimenpiteitä: seuraava ajo tarkistaa tilan ja kirjoittaa uudelleen.",
        "Nothing to do: the next run checks the state and writes again.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "TAIMER_MALFORMED_ANSWER",
        "Taimerin vastaus ei ollut sovitun muotoinen (esim. puuttuva tai väärän tyyppinen kenttä, mahdoton päivämäärä, "
        "ei JSONia), joten sitä ei käytetty.",
        "Taimer's answer did not have the agreed shape (e.g. a missing or mistyped field, an impossible date, not "
        "JSON), so it was not used.",
        "Virheessä on kentät, jotka eivät kelvanneet. Korjaa tieto Taimerissa tai ilmoita Taimer-rajapinnan "
        "ylläpidolle.",
        "The error names the fields that did not fit. Correct the data in Taimer or report it to the maintainers of "
        "the Taimer interface.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "TAIMER_PAGING_RUNAWAY",
        "Taimerin listaus ei päättynyt: sama sivu toistui tai sivuja oli enemmän kuin sallittu enimmäismäärä.",
        "Taimer's listing did not end: a page cursor repeated, or there were more pages than the allowed maximum.",
        "Ilmoita Taimer-rajapinnan ylläpidolle (sivutus palauttaa saman kursorin). Jos listaus on oikeasti näin "
        "pitkä, nosta sivujen enimmäismäärää (max_pages).",
        "Report it to the maintainers of the Taimer interface (paging returns the same cursor). If the listing is "
        "really that long, raise the maximum number of pages (max_pages).",
        FixWhere.TAIMER,
    ),
)
