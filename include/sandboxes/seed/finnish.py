"""Finnish word lists and identifier helpers for the seed generator: names, places, companies, products, VAT by date.

Identifiers are made so that the libraries accept them: IBANs with ``schwifty``, business IDs (Y-tunnus) with
``python-stdnum``. Reference numbers (Finnish national and RF) come from ``taimer_procountor.identifiers``, the one
implementation the sandbox and the outbound validation use too.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from enum import StrEnum

from schwifty import IBAN
from stdnum.fi import ytunnus

FIRST_NAMES = [
    "Aino", "Eino", "Helmi", "Väinö", "Olivia", "Leo", "Ella", "Onni", "Sofia", "Elias", "Aada", "Oliver", "Emma",
    "Eetu", "Lilja", "Juho", "Siiri", "Mikko", "Kaisa", "Jussi", "Päivi", "Jyrki", "Sanna", "Tuomas", "Minna",
    "Heikki", "Riikka", "Antti", "Outi", "Ville", "Hanna", "Timo", "Satu", "Kalle", "Noora", "Ilkka", "Tiina",
]  # fmt: skip
LAST_NAMES = [
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
    "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Heikkilä", "Kinnunen",
    "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila",
    "Savolainen", "Lahtinen", "Ahonen", "Kärkkäinen", "Öhman", "Åberg", "Räsänen", "Pöllänen",
]  # fmt: skip
CITIES = [
    ("Helsinki", "00100"), ("Espoo", "02100"), ("Tampere", "33100"), ("Vantaa", "01300"), ("Oulu", "90100"),
    ("Turku", "20100"), ("Jyväskylä", "40100"), ("Kuopio", "70100"), ("Lahti", "15100"), ("Pori", "28100"),
    ("Joensuu", "80100"), ("Lappeenranta", "53100"), ("Hämeenlinna", "13100"), ("Vaasa", "65100"),
    ("Seinäjoki", "60100"), ("Rovaniemi", "96100"), ("Mikkeli", "50100"), ("Kotka", "48100"), ("Salo", "24100"),
    ("Äänekoski", "44100"), ("Mänttä-Vilppula", "35800"), ("Pietarsaari", "68600"),
]  # fmt: skip
STREETS = [
    "Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Kauppakatu", "Rautatienkatu", "Puistokatu", "Koulukatu",
    "Kirkkokatu", "Satamakatu", "Teollisuustie", "Yrittäjäntie", "Sähkötie", "Pääskyntie", "Mäntytie", "Koivukuja",
    "Länsiväylä", "Itäinen Pitkäkatu", "Väinämöisenkatu", "Tehtaankatu", "Ratapihantie",
]  # fmt: skip
COMPANY_STEMS = [
    "Järvi", "Kallio", "Metsä", "Pohjois", "Etelä", "Saimaa", "Lappi", "Aalto", "Kivi", "Tunturi", "Revontuli",
    "Sisu", "Kaamos", "Ruska", "Helmi", "Vakka", "Kuusi", "Karhu", "Kotka", "Ilves", "Sampo", "Louhi", "Otso",
    "Kide", "Virta", "Myrsky", "Hanki", "Pöllö", "Kärki", "Männikkö",
]  # fmt: skip
COMPANY_TRADES = [
    "Rakennus", "Konsultointi", "Ohjelmistot", "Logistiikka", "Kiinteistöpalvelut", "Sähkö", "Media", "Tekniikka",
    "Kuljetus", "Design", "Energia", "Talotekniikka", "Kone", "Mainos", "Tilitoimisto", "Catering", "Puutarha",
]  # fmt: skip
COMPANY_FORMS = ["Oy", "Oy", "Oy", "Ab", "Oyj", "Ky", "Tmi"]

HEADER_TEXTS = [
    "Työt {month}", "Projektin {project} laskutus", "Ylläpito ja tuki", "Matkakulut", "Lisenssit", "Koulutuspäivät",
    "Tuntityöt ajalta {month}", "Materiaalit ja tarvikkeet",
]  # fmt: skip
DESCRIPTION_LINES = [
    "Työ tehty asiakkaan toimitiloissa", "Sisältää suunnittelun ja toteutuksen", "Viite: tilaus {order}",
    "Aikaväli {month}", "Tuntikirjaukset Taimerista", "Hinnat sopimuksen mukaan", "Toimitus sovitusti",
    "Yhteyshenkilö: {person}", "Kohde: {city}", "Vaihe 2/3 valmistunut", "Lisätyöt asiakkaan pyynnöstä",
    "Asennus ja käyttöönotto", "Ei sisällä matkakuluja", "Alennus 10 % kampanjan mukaisesti",
]  # fmt: skip
MONTHS_FI = [
    "tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu", "elokuu", "syyskuu",
    "lokakuu", "marraskuu", "joulukuu",
]  # fmt: skip
PROJECT_NAMES = [
    "Verkkokaupan uudistus", "ERP-käyttöönotto", "Toimitilojen remontti", "Asiakasportaali", "Tietoturva-auditointi",
    "Brändiuudistus", "Varastojärjestelmä", "Henkilöstökoulutus", "Pilvisiirto", "Mobiilisovellus",
    "Energiakatselmus", "Kunnossapitosopimus", "Laatujärjestelmä ISO 9001", "Raportoinnin kehitys",
]  # fmt: skip
WORK_TYPES = ["Suunnittelu", "Ohjelmointi", "Projektinhallinta", "Testaus", "Koulutus", "Asennus", "Konsultointi"]
NON_CP1252_SNIPPETS = ["Łódźin toimitus ✓", "Hinta ≈ 120 €", "Kiitos! 😀", "Määrä → 3 kpl", "Työmaa Gdańsk ☐"]


class VatCategory(StrEnum):
    """Which Finnish VAT rate a good or service carries; ``rate_on(day)`` gives the percentage on a date."""

    GENERAL = "general"  # 24 % until 2024-08-31, 25.5 % from 2024-09-01
    FOOD = "food"  # 14 % until 2025-12-31, 13.5 % from 2026-01-01 (food, restaurants)
    MOVED_10 = "moved_10"  # 10 % until 2024-12-31, 14 % in 2025, 13.5 % from 2026 (books, transport, lodging...)
    TEN = "ten"  # 10 % throughout (newspapers and magazines)
    ZERO = "zero"  # 0 % (per diems, mileage, exempt services)


VAT_CHANGE_DATES = (date(2024, 9, 1), date(2025, 1, 1), date(2026, 1, 1))


def rate_on(category: VatCategory, day: date) -> Decimal:
    """The Finnish VAT percentage of ``category`` on ``day``."""
    if category is VatCategory.GENERAL:
        return Decimal("24") if day < date(2024, 9, 1) else Decimal("25.5")
    if category is VatCategory.FOOD:
        return Decimal("14") if day < date(2026, 1, 1) else Decimal("13.5")
    if category is VatCategory.MOVED_10:
        if day < date(2025, 1, 1):
            return Decimal("10")
        return Decimal("14") if day < date(2026, 1, 1) else Decimal("13.5")
    if category is VatCategory.TEN:
        return Decimal("10")
    return Decimal("0")


def regime_start(day: date) -> date | None:
    """The last VAT change on or before ``day`` (None before the first one covered here)."""
    starts = [d for d in VAT_CHANGE_DATES if d <= day]
    return starts[-1] if starts else None


# name, code, unit, price range (EUR), VAT category, sales account
PRODUCTS: list[tuple[str, str, str, tuple[int, int], VatCategory, str]] = [
    ("Konsultointi", "KONS", "HOUR", (85, 160), VatCategory.GENERAL, "3000"),
    ("Ohjelmistokehitys", "OHJ", "HOUR", (75, 140), VatCategory.GENERAL, "3000"),
    ("Projektinhallinta", "PM", "HOUR", (90, 150), VatCategory.GENERAL, "3000"),
    ("Koulutuspäivä", "KOUL", "DAY", (600, 1400), VatCategory.GENERAL, "3000"),
    ("Ylläpitosopimus", "YLL", "MONTH", (150, 900), VatCategory.GENERAL, "3000"),
    ("Ohjelmistolisenssi", "LIS", "MONTH", (19, 299), VatCategory.GENERAL, "3000"),
    ("Asennustyö", "ASN", "HOUR", (55, 95), VatCategory.GENERAL, "3000"),
    ("Tarvikkeet", "TARV", "PIECE", (5, 120), VatCategory.GENERAL, "3000"),
    ("Sähkötarvikkeet", "STARV", "PIECE", (3, 80), VatCategory.GENERAL, "3000"),
    ("Kahvitarjoilu", "KAHV", "PIECE", (4, 12), VatCategory.FOOD, "3010"),
    ("Lounas", "LOUN", "PIECE", (11, 19), VatCategory.FOOD, "3010"),
    ("Pitopalvelu", "PITO", "PIECE", (15, 45), VatCategory.FOOD, "3010"),
    ("Kirja", "KIRJA", "PIECE", (20, 70), VatCategory.MOVED_10, "3010"),
    ("Henkilökuljetus", "KULJ", "PIECE", (30, 300), VatCategory.MOVED_10, "3010"),
    ("Majoitus", "MAJ", "DAY", (80, 190), VatCategory.MOVED_10, "3010"),
    ("Seminaarilippu", "SEMI", "PIECE", (40, 250), VatCategory.MOVED_10, "3010"),
    ("Aikakauslehden tilaus", "LEHTI", "YEAR", (60, 240), VatCategory.TEN, "3020"),
    ("Koulutus (ALV 0 %)", "KOUL0", "DAY", (400, 900), VatCategory.ZERO, "3050"),
]

# description, VAT category, account, amount range
EXPENSES: list[tuple[str, VatCategory, str, tuple[int, int]]] = [
    ("Taksi Helsinki-Vantaa", VatCategory.MOVED_10, "7600", (25, 70)),
    ("Junalippu Tampere-Helsinki", VatCategory.MOVED_10, "7600", (12, 60)),
    ("Hotelliyö", VatCategory.MOVED_10, "7600", (80, 190)),
    ("Lounas asiakkaan kanssa", VatCategory.FOOD, "8380", (15, 90)),
    ("Kahvit palaverissa", VatCategory.FOOD, "8380", (5, 30)),
    ("Pysäköinti", VatCategory.GENERAL, "7600", (3, 30)),
    ("Toimistotarvikkeet", VatCategory.GENERAL, "8380", (5, 120)),
    ("Ohjelmistotilaus", VatCategory.GENERAL, "8380", (9, 60)),
    ("Ammattikirjallisuus", VatCategory.MOVED_10, "8380", (20, 80)),
    ("Aikakauslehti", VatCategory.TEN, "8380", (8, 25)),
    ("Polttoaine", VatCategory.GENERAL, "7600", (40, 110)),
]

EINVOICE_OPERATORS_FALLBACK = ["003721291126", "003723327487", "003708599126", "NDEAFIHH", "OKOYFIHH"]

# Finnish bank codes that schwifty knows (with their BICs)
BANK_CODES = ["100", "200", "500", "800", "340", "360", "400", "470", "715"]


def person_name(rnd: random.Random) -> tuple[str, str]:
    return rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)


def company_name(rnd: random.Random) -> str:
    return f"{rnd.choice(COMPANY_STEMS)}{rnd.choice(COMPANY_TRADES).lower()} {rnd.choice(COMPANY_FORMS)}"


def street_address(rnd: random.Random) -> tuple[str, str, str]:
    city, postal = rnd.choice(CITIES)
    postal = postal[:3] + f"{rnd.randrange(0, 10) * 10:02d}"
    return f"{rnd.choice(STREETS)} {rnd.randint(1, 120)}", postal, city


def ascii_slug(text: str) -> str:
    table = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "a", "Ö": "o", "Å": "a"})
    return "".join(c for c in text.translate(table).lower() if c.isalnum() or c in ".-")


# --------------------------------------------------------------------------------------------------- identifiers


def business_id(rnd: random.Random) -> str:
    """A valid Y-tunnus ``NNNNNNN-C`` (7-digit bases whose check remainder is 1 have no valid ID: redraw)."""
    while True:
        base = f"{rnd.randrange(1_000_000, 3_400_000):07d}"
        for check in "0123456789":
            candidate = f"{base}-{check}"
            if ytunnus.is_valid(candidate):
                return candidate


def bad_business_id(rnd: random.Random) -> str:
    """A Y-tunnus of the right shape whose check digit is wrong."""
    good = business_id(rnd)
    wrong = [d for d in "0123456789" if d != good[-1] and not ytunnus.is_valid(good[:-1] + d)]
    return good[:-1] + rnd.choice(wrong)


def iban(rnd: random.Random, bank_code: str | None = None) -> IBAN:
    """A valid Finnish IBAN (schwifty computes the check digits and knows the bank's BIC)."""
    code = bank_code or rnd.choice(BANK_CODES)
    account = f"{rnd.randrange(1, 10**10):010d}"
    return IBAN.generate("FI", bank_code=code, account_code=account)


def spoil_reference(ref: str) -> str:
    """The same reference with its last digit changed, so its check fails."""
    last = ref[-1]
    return ref[:-1] + ("0" if last != "0" else "1")
