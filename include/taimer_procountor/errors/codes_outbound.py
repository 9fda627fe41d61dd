"""Catalogue entries of the outbound flow (Taimer -> Procountor): what validation refuses before anything is sent,
what the transform changed to fit (notices), and the attachment rules.

Validation codes are what a user sees on the Taimer document; each names the one thing to fix and where. Notices
(``OUTBOUND_*_SHORTENED``, ``OUTBOUND_COUNTRY_NOT_MAPPED``, ``OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE``) do
not stop the invoice; attachment refusals stop only the attachment (docs/outbound.md, "Validation").
"""

from taimer_procountor.errors.entry import ErrorEntry, FixWhere

OUTBOUND_CODES: tuple[ErrorEntry, ...] = (
    # --- the invoice as a whole ------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_NO_ROWS",
        "Laskulla ei ole yhtään riviä.",
        "The invoice has no rows.",
        "Lisää laskulle vähintään yksi rivi Taimerissa.",
        "Add at least one row to the invoice in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_ORIGINAL_NUMBER_TOO_LONG",
        "Laskun numero on yli 40 merkkiä, eikä se mahdu Procountorin alkuperäisen laskunumeron kenttään.",
        "The invoice number is over 40 characters and does not fit Procountor's original invoice number field.",
        "Käytä Taimerissa enintään 40 merkin laskunumeroa (laskunumeroinnin aloitusnumero).",
        "Use an invoice number of at most 40 characters in Taimer (the invoice numbering's start number).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_DUE_DATE_BEFORE_INVOICE_DATE",
        "Eräpäivä on ennen laskun päivämäärää.",
        "The due date is before the invoice date.",
        "Korjaa laskun eräpäivä tai päivämäärä Taimerissa.",
        "Correct the invoice's due date or date in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_CLOSED_FISCAL_PERIOD",
        "Laskun päivämäärä osuu Procountorissa suljetulle tilikaudelle tai kaudelle (tai ei millekään tilikaudelle).",
        "The invoice date falls in a fiscal year or period that is closed in Procountor (or in no fiscal year).",
        "Muuta laskun päivämäärä avoimelle kaudelle Taimerissa, tai avaa kausi Procountorissa ja aja perustietojen "
        "synkronointi.",
        "Move the invoice date into an open period in Taimer, or reopen the period in Procountor and run the "
        "reference sync.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_REFERENCE_NUMBER_INVALID",
        "Viitenumero ei ole kelvollinen suomalainen viite eikä RF-viite (tarkiste on väärä).",
        "The reference number is neither a valid Finnish reference nor an RF creditor reference (wrong check digit).",
        "Korjaa laskun viitenumero Taimerissa tai jätä se tyhjäksi, jolloin Procountor muodostaa sen.",
        "Correct the invoice's reference number in Taimer, or leave it empty so Procountor generates one.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_TEXT_NOT_CP1252",
        "Tekstissä on merkkejä, joita Procountor ei hyväksy (Windows-1252-merkistön ulkopuolella).",
        "A text holds characters Procountor does not accept (outside the Windows-1252 character set).",
        "Poista tai korvaa virheessä mainitut merkit Taimerissa (esim. emoji, ✓, ≈, Ł). €, š, Ž ja œ käyvät.",
        "Remove or replace the characters named in the error in Taimer (e.g. emoji, ✓, ≈, Ł). €, š, Ž and œ are fine.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_CURRENCY_NOT_SUPPORTED",
        "Laskun valuutta ei ole yrityksen kirjanpitovaluutta; integraatio ei tunne valuuttakurssia, joten laskua ei "
        "siirretty.",
        "The invoice's currency is not the company's accounting currency; the integration knows no exchange rate, so "
        "the invoice was not transferred.",
        "Laadi lasku yrityksen valuutassa Taimerissa, tai tee valuuttalasku suoraan Procountorissa.",
        "Make the invoice in the company's currency in Taimer, or make the foreign-currency invoice in Procountor.",
        FixWhere.TAIMER,
    ),
    # --- bank account ----------------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_BANK_ACCOUNT_MISSING",
        "Laskulla ei ole pankkitiliä, eikä Taimerin yritysasetuksissa ole tiliä.",
        "The invoice has no bank account, and Taimer's company settings hold none.",
        "Valitse laskulle pankkitili tai lisää yrityksen pankkitili (sama kuin Procountorissa) Taimerin "
        "yritysasetuksiin.",
        "Pick a bank account on the invoice, or add the company's bank account (the same as in Procountor) to "
        "Taimer's company settings.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_BANK_ACCOUNT_NOT_IN_PROCOUNTOR",
        "Laskun pankkitili ei ole mikään yrityksen pankkitileistä Procountorissa.",
        "The invoice's bank account is not one of the company's bank accounts in Procountor.",
        "Varmista, että Taimerissa oleva pankkitili vastaa Procountorissa olevaa: korjaa IBAN laskulla tai "
        "Taimerin yritysasetuksissa, tai lisää tili Procountoriin (Perustiedot > Pankkitilit).",
        "Make sure the bank account in Taimer matches the one in Procountor: correct the IBAN on the invoice or in "
        "Taimer's company settings, or add the account in Procountor (Basics > Bank accounts).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_BANK_ACCOUNT_INACTIVE",
        "Laskun pankkitili on Procountorissa, mutta se ei ole käytössä.",
        "The invoice's bank account exists in Procountor but is not active there.",
        "Ota tili käyttöön Procountorissa (Perustiedot > Pankkitilit) tai valitse laskulle käytössä oleva tili.",
        "Activate the account in Procountor (Basics > Bank accounts), or pick an active account on the invoice.",
        FixWhere.PROCOUNTOR,
    ),
    # --- VAT -------------------------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_VAT_PERCENT_NOT_IN_USE",
        "Rivin ALV-prosentti ei ole Procountorissa käytössä tämän laskutyypin (myynti/osto) verokantana.",
        "The row's VAT percentage is not in use in Procountor for this kind of invoice (sales/purchase).",
        "Korjaa rivin ALV-prosentti Taimerissa, tai ota verokanta käyttöön Procountorissa ja aja perustietojen "
        "synkronointi.",
        "Correct the row's VAT percentage in Taimer, or enable the rate in Procountor and run the reference sync.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_VAT_PERCENT_NOT_VALID_ON_DATE",
        "Rivin ALV-prosentti ei ole voimassa laskun päivämääränä (yleinen verokanta 24 % 31.8.2024 asti, 25,5 % "
        "1.9.2024 alkaen; 14 % 31.12.2025 asti, 13,5 % 1.1.2026 alkaen).",
        "The row's VAT percentage is not valid on the invoice date (general rate 24 % until 2024-08-31, 25.5 % "
        "from 2024-09-01; 14 % until 2025-12-31, 13.5 % from 2026-01-01).",
        "Korjaa rivin ALV-prosentti laskun päivämäärän mukaiseksi Taimerissa.",
        "Correct the row's VAT percentage to the one valid on the invoice date, in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_VAT_STATUS_NOT_IN_USE",
        "Laskun ALV-käsittely (kotimaan myynti/osto) ei ole Procountorissa käytössä tälle laskutyypille.",
        "The invoice's VAT status (domestic sale/purchase) is not in use in Procountor for this kind of invoice.",
        "Ota ALV-käsittely käyttöön Procountorissa (ALV-asetukset) ja aja perustietojen synkronointi.",
        "Enable the VAT status in Procountor (VAT settings) and run the reference sync.",
        FixWhere.PROCOUNTOR,
    ),
    # --- accounting ------------------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_SALES_ACCOUNT_UNKNOWN",
        "Laskun myyntitiliä ei ole Procountorin tilikartassa.",
        "The invoice's sales account is not in Procountor's chart of accounts.",
        "Valitse laskulle Procountorin tilikartassa oleva myyntitili Taimerissa (tilit päivittyvät perustietojen "
        "synkronoinnissa).",
        "Pick a sales account that is in Procountor's chart of accounts, in Taimer (the reference sync refreshes "
        "the accounts).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_SALES_ACCOUNT_INACTIVE",
        "Laskun myyntitili on Procountorin tilikartassa, mutta se ei ole käytössä.",
        "The invoice's sales account is in Procountor's chart of accounts but is not active.",
        "Valitse laskulle käytössä oleva myyntitili Taimerissa tai ota tili käyttöön Procountorissa.",
        "Pick an active sales account in Taimer, or activate the account in Procountor.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_COST_CENTER_UNKNOWN",
        "Laskun kustannuspaikkaa ei ole Procountorin kustannuspaikkadimensiossa.",
        "The invoice's cost center is not an item of Procountor's cost-center dimension.",
        "Valitse laskulle Procountorissa oleva kustannuspaikka Taimerissa tai lisää se Procountoriin ja aja "
        "perustietojen synkronointi.",
        "Pick a cost center that exists in Procountor, in Taimer, or add it in Procountor and run the reference sync.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_COST_CENTER_INACTIVE",
        "Laskun kustannuspaikka on Procountorissa suljettu.",
        "The invoice's cost center is closed in Procountor.",
        "Valitse laskulle voimassa oleva kustannuspaikka Taimerissa tai avaa kustannuspaikka Procountorissa.",
        "Pick an active cost center in Taimer, or reopen the cost center in Procountor.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_PRODUCT_NOT_IN_PROCOUNTOR",
        "Rivin tuote (tai työlaji) on Taimerissa liitetty Procountorin tuotteeseen, jota ei ole Procountorin "
        "tuoterekisterissä tai joka ei ole käytössä.",
        "The row's product (or work type) maps in Taimer to a Procountor product that is not in Procountor's "
        "product register, or is inactive.",
        "Korjaa tuotteen tai työlajin Procountor-tuote Taimerissa, tai ota tuote käyttöön Procountorissa ja aja "
        "perustietojen synkronointi.",
        "Correct the product's or work type's Procountor product in Taimer, or activate the product in Procountor "
        "and run the reference sync.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_ROW_NAME_MISSING",
        "Laskurivillä ei ole nimeä (Procountor vaatii tuotteen nimen jokaiselle riville).",
        "An invoice row has no name (Procountor needs a product name on every row).",
        "Anna rivin tuotteelle nimi Taimerissa.",
        "Give the row's product a name in Taimer.",
        FixWhere.TAIMER,
    ),
    # --- customer and channel --------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_CUSTOMER_MISSING",
        "Laskun asiakasta ei löytynyt Taimerista.",
        "The invoice's customer was not found in Taimer.",
        "Valitse laskulle asiakas Taimerissa.",
        "Pick a customer for the invoice in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_BUSINESS_ID_INVALID",
        "Asiakkaan Y-tunnus on virheellinen (tarkistusnumero ei täsmää tai muoto on väärä).",
        "The customer's business ID is invalid (wrong check digit or format).",
        "Korjaa asiakkaan Y-tunnus Taimerin asiakastietoihin (muoto 1234567-8).",
        "Correct the customer's business ID in Taimer's customer record (form 1234567-8).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_EINVOICE_ADDRESS_MISSING",
        "Verkkolaskulta puuttuu asiakkaan verkkolaskuosoite tai -operaattori.",
        "The e-invoice lacks the customer's e-invoice address or operator.",
        "Lisää asiakkaan verkkolaskuosoite ja operaattori Taimerin asiakastietoihin, tai vaihda laskun lähetystapaa.",
        "Add the customer's e-invoice address and operator in Taimer's customer record, or change the invoice's "
        "delivery channel.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_EINVOICE_OPERATOR_INVALID",
        "Asiakkaan verkkolaskuoperaattorin tunnus ei ole kelvollinen operaattoritunnus.",
        "The customer's e-invoice operator code is not a valid operator code.",
        "Korjaa asiakkaan verkkolaskuoperaattori Taimerin asiakastietoihin (esim. 003721291126 tai pankin BIC).",
        "Correct the customer's e-invoice operator in Taimer's customer record (e.g. 003721291126 or a bank BIC).",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_EMAIL_MISSING",
        "Sähköpostilla lähetettävältä laskulta puuttuu asiakkaan sähköpostiosoite.",
        "The invoice goes by e-mail, but the customer has no e-mail address.",
        "Lisää asiakkaan laskutussähköposti Taimeriin tai vaihda laskun lähetystapaa.",
        "Add the customer's invoicing e-mail in Taimer, or change the invoice's delivery channel.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_EMAIL_INVALID",
        "Asiakkaan sähköpostiosoite ei ole kelvollinen.",
        "The customer's e-mail address is not valid.",
        "Korjaa asiakkaan sähköpostiosoite Taimerissa.",
        "Correct the customer's e-mail address in Taimer.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_CUSTOMER_ADDRESS_MISSING",
        "Postitse tai verkkolaskuna lähetettävältä laskulta puuttuu asiakkaan katuosoite, postinumero tai "
        "postitoimipaikka.",
        "The invoice goes by mail or as an e-invoice, but the customer's street, postal code or city is missing.",
        "Täydennä asiakkaan osoite Taimerin asiakastietoihin.",
        "Complete the customer's address in Taimer's customer record.",
        FixWhere.TAIMER,
    ),
    # --- notices: the invoice goes, something about it changed or stayed behind -------------------------------
    ErrorEntry(
        "OUTBOUND_ROW_COMMENT_SHORTENED",
        "Huomautus: rivin kuvaus oli yli 512 merkkiä, joten se lyhennettiin Procountorin rivikommenttiin.",
        "Notice: the row's description was over 512 characters, so it was shortened to fit Procountor's row comment.",
        "Tarkista lasku Procountorissa; lyhennä kuvausta Taimerissa, jos koko teksti on tärkeä.",
        "Check the invoice in Procountor; shorten the description in Taimer if the whole text matters.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_TEXT_SHORTENED",
        "Huomautus: teksti oli pidempi kuin Procountorin kenttään mahtuu, joten se lyhennettiin (kenttä mainittu).",
        "Notice: a text was longer than Procountor's field allows, so it was shortened (the field is named).",
        "Tarkista lasku Procountorissa; lyhennä tekstiä Taimerissa, jos koko teksti on tärkeä.",
        "Check the invoice in Procountor; shorten the text in Taimer if the whole text matters.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_COUNTRY_NOT_MAPPED",
        "Huomautus: asiakkaan maata ei osattu nimetä Procountorille, joten osoite lähti ilman maata.",
        "Notice: the customer's country could not be named for Procountor, so the address went without a country.",
        "Lisää maa laskulle Procountorissa ja ilmoita maakoodi integraation ylläpidolle.",
        "Add the country to the invoice in Procountor, and report the country code to the integration's maintainers.",
        FixWhere.PROCOUNTOR,
    ),
    ErrorEntry(
        "OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE",
        "Huomautus: Taimer säilyttää liitteet Google Drivessa, joten laskun liitteitä ei siirretty Procountoriin "
        "(lasku siirrettiin).",
        "Notice: Taimer keeps attachments in Google Drive, so the invoice's attachments were not moved to "
        "Procountor (the invoice was).",
        "Lisää liitteet laskulle Procountorissa käsin, tai poista Google Drive -tallennus Taimerista.",
        "Add the attachments to the invoice in Procountor by hand, or turn off Google Drive storage in Taimer.",
        FixWhere.PROCOUNTOR,
    ),
    # --- attachments: the attachment stays behind, the invoice goes ------------------------------------------
    ErrorEntry(
        "OUTBOUND_ATTACHMENT_TYPE_NOT_ALLOWED",
        "Liitettä ei siirretty: sen sisältö ei ole gif-, jpg/jpeg-, pdf- eikä txt-tiedosto (lasku siirrettiin).",
        "The attachment was not moved: its content is not a gif, jpg/jpeg, pdf or txt file (the invoice was).",
        "Tallenna liite pdf- tai jpg-muodossa Taimeriin ja lähetä lasku uudelleen, tai lisää liite Procountorissa.",
        "Save the attachment as pdf or jpg in Taimer and resend the invoice, or add the attachment in Procountor.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_ATTACHMENT_TYPE_DISGUISED",
        "Liitettä ei siirretty: sen nimi lupaa sallitun tiedostotyypin, mutta sisältö on jotain muuta (lasku "
        "siirrettiin).",
        "The attachment was not moved: its name promises an allowed file type but the content is something else "
        "(the invoice was).",
        "Tarkista liite Taimerissa (se voi olla vahingollinen) ja korvaa se oikealla pdf-, jpg-, gif- tai "
        "txt-tiedostolla.",
        "Check the attachment in Taimer (it may be harmful) and replace it with a real pdf, jpg, gif or txt file.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_ATTACHMENT_TOO_LARGE",
        "Liitettä ei siirretty: se on yli 10 000 000 tavua (lasku siirrettiin).",
        "The attachment was not moved: it is over 10,000,000 bytes (the invoice was).",
        "Pienennä tai jaa liite Taimerissa (enintään 10 000 000 tavua) ja lähetä lasku uudelleen.",
        "Make the attachment smaller or split it in Taimer (at most 10,000,000 bytes) and resend the invoice.",
        FixWhere.TAIMER,
    ),
    ErrorEntry(
        "OUTBOUND_ATTACHMENT_EMPTY",
        "Liitettä ei siirretty: se on tyhjä (lasku siirrettiin).",
        "The attachment was not moved: it is empty (the invoice was).",
        "Korvaa tyhjä liite Taimerissa oikealla tiedostolla.",
        "Replace the empty attachment in Taimer with the real file.",
        FixWhere.TAIMER,
    ),
    # --- the integration itself ------------------------------------------------------------------------------
    ErrorEntry(
        "OUTBOUND_KIND_NOT_SUPPORTED",
        "Tämän tyyppisiä dokumentteja ei vielä siirretä Procountoriin.",
        "Documents of this kind are not transferred to Procountor yet.",
        "Ei toimenpiteitä Taimerissa; poista laji DAGin parametrista kinds tai päivitä integraatio.",
        "Nothing to do in Taimer; remove the kind from the DAG parameter kinds, or upgrade the integration.",
        FixWhere.INTEGRATION,
    ),
)
