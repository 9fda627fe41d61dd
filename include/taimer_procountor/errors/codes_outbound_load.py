"""Catalogue entries of the outbound load, update and reconciliation (Taimer -> Procountor, after validation).

Validation and transform codes live in ``codes_outbound``; Procountor's own answers in ``codes_procountor``.
"""

from taimer_procountor.errors.entry import ErrorEntry, FixWhere

OUTBOUND_LOAD_CODES: tuple[ErrorEntry, ...] = (
    ErrorEntry(
        "OUTBOUND_STEP_FAILED",
        "Siirron vaihe epäonnistui odottamattomasti uusintayritysten jälkeen.",
        "A step of the outbound sync failed unexpectedly after its retries.",
        "Katso tehtävän loki Airflow'ssa; korjauksen jälkeen aja DAG uudelleen (jo siirretyt laskut eivät lähde "
        "toiseen kertaan).",
        "Read the task's log in Airflow; after the fix run the DAG again (invoices already sent are not sent twice).",
        FixWhere.INTEGRATION,
    ),
    ErrorEntry(
        "OUTBOUND_SEND_PENDING",
        "Laskun lähetys jäi kesken tällä ajolla (toinen ajo pitää sitä tai lähetyksen tulos on vielä tarkistamatta).",
        "The invoice's send did not finish in this run (another run holds it, or the outcome still needs a lookup).",
        "Ei toimenpiteitä: seuraava ajo tarkistaa laskun Procountorista ennen kuin lähettää mitään uudelleen.",
        "Nothing to do: the next run looks the invoice up in Procountor before sending anything again.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "OUTBOUND_CHANGED_DURING_RUN",
        "Asiakirjaa muutettiin Taimerissa tämän ajon aikana; se tarkistetaan ja lähetetään seuraavalla ajolla.",
        "The document was edited in Taimer during this run; it is validated and sent by the next run.",
        "Ei toimenpiteitä: seuraava ajo ottaa muuttuneen sisällön.",
        "Nothing to do: the next run takes the changed content.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "OUTBOUND_UPDATE_CONFLICT",
        "Laskua muutettiin Taimerissa lähetyksen jälkeen, mutta Procountorissa se ei ole enää keskeneräinen: "
        "muutosta ei viety eikä uutta laskua luotu.",
        "The invoice was edited in Taimer after it was sent, but in Procountor it is no longer unfinished: the "
        "change was not applied and no second invoice was created.",
        "Tee muutos Procountorissa käsin, tai mitätöi lasku Procountorissa ja pyydä uudelleenlähetys (DAG-parametri "
        "numbers); muuten palauta Taimerin lasku ennalleen.",
        "Make the change in Procountor by hand, or invalidate the invoice there and ask for a resend (the DAG's "
        "numbers param); otherwise undo the edit in Taimer.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "OUTBOUND_RESENT_AFTER_INVALIDATION",
        "Procountorissa mitätöidyn laskun tilalle luotiin uusi lasku; linkki vanhaan on tallessa.",
        "A new Procountor invoice replaced the one invalidated there; the link to the old one is kept.",
        "Ei toimenpiteitä; vanha lasku jää Procountoriin mitätöitynä.",
        "Nothing to do; the old invoice stays in Procountor as invalidated.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "OUTBOUND_DOCUMENT_UNREADABLE",
        "Taimerin asiakirjaa ei voitu lukea (puuttuva tai virheellinen vastaus).",
        "The Taimer document could not be read (missing, or a malformed answer).",
        "Tarkista asiakirja Taimerissa; jos se on kunnossa, aja DAG uudelleen.",
        "Check the document in Taimer; if it looks right, run the DAG again.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_WRITE_BACK_FAILED",
        "Procountorin tietoja ei saatu kirjoitettua takaisin Taimeriin; lasku on Procountorissa.",
        "Procountor's id, number and status could not be written back to Taimer; the invoice is in Procountor.",
        "Ei toimenpiteitä: seuraava ajo kirjoittaa tiedot uudelleen.",
        "Nothing to do: the next run writes them again.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "OUTBOUND_RECONCILE_DUPLICATE",
        "Procountorissa on useampi lasku samalla alkuperäisellä laskunumerolla (Taimerin numero).",
        "Procountor holds more than one invoice with this original invoice number (the Taimer number).",
        "Mitätöi ylimääräiset laskut Procountorissa; vain integraation tallentama lasku jää voimaan.",
        "Invalidate the extra invoices in Procountor; keep the one the integration recorded.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "OUTBOUND_RECONCILE_MISSING",
        "Integraation mukaan lasku on lähetetty, mutta Procountorissa ei ole laskua tällä alkuperäisellä numerolla.",
        "The integration recorded the invoice as sent, but Procountor holds no invoice with this original number.",
        "Tarkista Procountorista, poistettiinko lasku; pyydä tarvittaessa uudelleenlähetys (DAG-parametri numbers).",
        "Check in Procountor whether the invoice was deleted; ask for a resend if needed (the DAG's numbers param).",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "OUTBOUND_RECONCILE_OTHER_INVOICE",
        "Procountorin ainoa lasku tällä alkuperäisellä numerolla ei ole se, jonka integraatio tallensi.",
        "Procountor's only invoice with this original number is not the one the integration recorded.",
        "Tarkista Procountorista, kumpi lasku on oikea; mitätöi väärä.",
        "Check in Procountor which invoice is right; invalidate the wrong one.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "OUTBOUND_RECONCILE_TOTAL_MISMATCH",
        "Procountorin laskun verollinen loppusumma poikkeaa Taimerin laskusta.",
        "The Procountor invoice's gross total differs from the Taimer invoice's.",
        "Vertaa laskuja; korjaa Procountorissa tai pyydä päivitys (Taimerin muokkaus, kun lasku on keskeneräinen).",
        "Compare the invoices; fix it in Procountor, or edit it in Taimer while it is still unfinished there.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "OUTBOUND_RECONCILE_WRITE_BACK_MISMATCH",
        "Taimeriin kirjoitetut Procountor-tiedot (id, numero, tila) eivät vastaa Procountoria.",
        "The Procountor fields written back to Taimer (id, number, status) do not match Procountor.",
        "Ei toimenpiteitä: seuraava ajo kirjoittaa tiedot uudelleen; jos ero toistuu, ota yhteys ylläpitoon.",
        "Nothing to do: the next run writes them again; if it persists, contact the integration's maintainers.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "OUTBOUND_RECONCILE_ACCOUNTING_MISMATCH",
        "Procountorin laskun tositteella ei ole Taimerin laskun myyntitiliä tai kustannuspaikkaa.",
        "The ledger receipt of the Procountor invoice lacks the Taimer invoice's sales account or cost center.",
        "Jos ajo ilmoitti tositteelle virheen, seuraava ajo asettaa ne uudelleen; muuten tarkista tositteen tilit "
        "Procountorissa (ne on ehkä muutettu käsin).",
        "If the run reported an error for the receipt, the next run sets them again; otherwise check the receipt's "
        "accounts in Procountor (someone may have changed them by hand).",
        FixWhere.PROCOUNTOR,
    ),
)
