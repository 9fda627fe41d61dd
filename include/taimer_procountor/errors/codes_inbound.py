"""Catalogue entries of the inbound flows (Procountor -> Taimer): received purchase invoices and their routing,
approvals pushed back to Procountor, paid statuses of the invoices we sent."""

from taimer_procountor.errors.entry import ErrorEntry, FixWhere

INBOUND_CODES: tuple[ErrorEntry, ...] = (
    # --- routing (seed article §4): reported, never fatal -------------------------------------------------------
    ErrorEntry(
        "INBOUND_ROUTING_PROJECT_UNKNOWN",
        "Ostolaskulla on projektinumero, jota Taimerissa ei ole. Lasku ohjattiin seuraavan säännön mukaan.",
        "The purchase invoice names a project number that Taimer does not have. It was routed by the next rule.",
        "Tarkista projektinumero (Procountorissa laskun tilausviite) tai perusta projekti Taimeriin; siirrä lasku "
        "tarvittaessa oikealle vastaanottajalle Taimerissa.",
        "Check the project number (the invoice's order reference in Procountor) or create the project in Taimer; "
        "move the bill to the right recipient in Taimer if needed.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "INBOUND_ROUTING_PROJECT_NO_MANAGER",
        "Ostolaskun projektilla ei ole Taimerissa projektipäällikköä. Lasku ohjattiin seuraavan säännön mukaan.",
        "The purchase invoice's project has no project manager in Taimer. It was routed by the next rule.",
        "Aseta projektille projektipäällikkö Taimerissa.",
        "Set a project manager on the project in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "INBOUND_ROUTING_MANAGER_NOT_ALLOWED",
        "Projektipäälliköllä ei ole ostolaskujen vastaanotto-oikeutta. Lasku ohjattiin seuraavan säännön mukaan.",
        "The project manager may not receive purchase invoices. The bill was routed by the next rule.",
        "Anna projektipäällikölle ostolaskujen vastaanotto-oikeus Taimerin käyttäjäasetuksissa.",
        "Give the project manager the right to receive purchase invoices in Taimer's user settings.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "INBOUND_ROUTING_PERSON_UNKNOWN",
        "Ostolaskun henkilö-ID ei vastaa yhtään Taimerin käyttäjää. Lasku ohjattiin oletusvastaanottajalle.",
        "The purchase invoice's person ID matches no Taimer user. The bill went to the default recipient.",
        "Hae henkilö-ID:t Taimerin Procountor-asetuksista ja aseta ID käyttäjän profiiliin.",
        "Fetch the person IDs in Taimer's Procountor settings and set the ID on the user's profile.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "INBOUND_ROUTING_PERSON_NOT_ALLOWED",
        "Henkilö-ID:n käyttäjällä ei ole ostolaskujen vastaanotto-oikeutta. Lasku ohjattiin oletusvastaanottajalle.",
        "The user with the invoice's person ID may not receive purchase invoices. The bill went to the default "
        "recipient.",
        "Anna käyttäjälle ostolaskujen vastaanotto-oikeus Taimerin käyttäjäasetuksissa.",
        "Give the user the right to receive purchase invoices in Taimer's user settings.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "INBOUND_ROUTING_NO_DEFAULT_RECIPIENT",
        "Ostolaskulle ei löytynyt vastaanottajaa eikä Taimeriin ole asetettu ostolaskujen oletusvastaanottajaa. "
        "Lasku siirrettiin ilman vastaanottajaa.",
        "No recipient was found for the purchase invoice and Taimer has no default recipient. The bill was "
        "transferred without a recipient.",
        "Aseta ostolaskujen oletusvastaanottaja Taimerin yritysasetuksissa ja kohdista lasku käsin.",
        "Set the default purchase-invoice recipient in Taimer's company settings and assign the bill by hand.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "INBOUND_ROUTING_DEFAULT_NOT_ALLOWED",
        "Taimerin ostolaskujen oletusvastaanottaja puuttuu Taimerin käyttäjistä tai hänellä ei ole "
        "vastaanotto-oikeutta.",
        "Taimer's default purchase-invoice recipient is not a Taimer user, or may not receive purchase invoices.",
        "Korjaa oletusvastaanottaja tai hänen oikeutensa Taimerin asetuksissa.",
        "Correct the default recipient or their right in Taimer's settings.",
        FixWhere.TAIMER,
    ),
    # --- reading Procountor -----------------------------------------------------------------------------------
    ErrorEntry(
        "INBOUND_INVOICE_INVALID",
        "Procountorin vastaus ostolaskusta ei ollut odotetun muotoinen; laskua ei siirretty.",
        "Procountor's answer for the purchase invoice did not have the expected shape; it was not transferred.",
        "Avaa lasku Procountorissa ja tarkista sen tiedot; ilmoita laskun id integraation ylläpidolle.",
        "Open the invoice in Procountor and check its data; report the invoice id to the integration's maintainers.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "INBOUND_BILL_NOT_WRITTEN",
        "Ostolaskua ei saatu kirjoitettua Taimeriin tällä ajolla. Seuraava ajo yrittää uudelleen (lukuraja ei "
        "siirtynyt).",
        "The purchase invoice could not be written to Taimer in this run. The next run tries again (the watermark "
        "did not move).",
        "Ei toimenpiteitä, jos virhe on ohimenevä; muuten katso Taimerin virhekoodi.",
        "Nothing to do if the fault is transient; otherwise see Taimer's error code.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    # --- approvals Taimer -> Procountor ("Hyväksy Procountorissa") --------------------------------------------
    ErrorEntry(
        "INBOUND_APPROVAL_WRONG_STATUS",
        "Ostolaskua ei voi hyväksyä Procountorissa sen tilan vuoksi (esim. mitätöity, maksu estetty tai jo "
        "maksettu). Hyväksyntää ei yritetä uudelleen.",
        "The purchase invoice cannot be approved in Procountor because of its status (e.g. invalidated, payment "
        "denied or already paid). The approval is not tried again.",
        "Tarkista laskun tila Procountorissa. Jos lasku palautetaan kiertoon, valitse Taimerissa uudelleen "
        '"Hyväksy Procountorissa".',
        "Check the invoice's status in Procountor. If it goes back into circulation, choose \"Hyväksy "
        'Procountorissa" in Taimer again.',
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "INBOUND_APPROVAL_NOT_IN_CIRCULATION",
        "Ostolasku on Procountorissa Kesken-tilassa, joten sitä ei voi vielä hyväksyä. Seuraava ajo yrittää uudelleen.",
        "The purchase invoice is UNFINISHED in Procountor, so it cannot be approved yet. The next run tries again.",
        "Lähetä lasku Procountorissa kiertoon (tai odota, että joku tekee sen).",
        "Send the invoice to circulation in Procountor (or wait for someone to do it).",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "INBOUND_APPROVAL_FORBIDDEN",
        "Procountor kielsi hyväksynnän (403): integraation käyttäjältä puuttuu oikeus tai se ei ole laskun "
        "tarkastaja/hyväksyjä. Seuraava ajo yrittää uudelleen.",
        "Procountor forbade the approval (403): the integration's user lacks the right or is not the invoice's "
        "verifier/approver. The next run tries again.",
        "Anna API-käyttäjälle ostolaskujen tarkastus- ja hyväksymisoikeus Procountorissa tai lisää se laskun kiertoon.",
        "Give the API user the right to verify and approve purchase invoices in Procountor, or add it to the "
        "invoice's circulation.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "INBOUND_APPROVAL_UNKNOWN_INVOICE",
        "Taimerin hyväksymä lasku ei ole Procountorissa (tai se ei ole osto-, matka- tai kululasku).",
        "The bill approved in Taimer is not in Procountor (or it is not a purchase, travel or expense invoice).",
        "Tarkista laskun Procountor-tunniste Taimerissa.",
        "Check the bill's Procountor id in Taimer.",
        FixWhere.TAIMER,
    ),
    # --- payments Procountor -> Taimer ------------------------------------------------------------------------
    ErrorEntry(
        "INBOUND_PAYMENT_NOT_WRITTEN",
        "Laskun maksutietoja ei saatu kirjoitettua Taimeriin tällä ajolla. Seuraava ajo yrittää uudelleen.",
        "The invoice's payment state could not be written to Taimer in this run. The next run tries again.",
        "Ei toimenpiteitä, jos virhe on ohimenevä; muuten katso Taimerin virhekoodi.",
        "Nothing to do if the fault is transient; otherwise see Taimer's error code.",
        FixWhere.TRANSIENT,
        retryable=True,
    ),
    ErrorEntry(
        "INBOUND_STEP_FAILED",
        "Saapuvien laskujen ajon vaihe epäonnistui uusintayritysten jälkeen.",
        "A step of the inbound run failed after its retries.",
        "Katso tehtävän loki Airflow'ssa; seuraava ajo jatkaa siitä, mihin tämä jäi.",
        "See the task's log in Airflow; the next run continues where this one stopped.",
        FixWhere.INTEGRATION,
    ),
)
