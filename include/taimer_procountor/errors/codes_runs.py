"""Catalogue entries about a run as a whole (not one flow's documents or steps)."""

from taimer_procountor.errors.entry import ErrorEntry, FixWhere

RUN_CODES: tuple[ErrorEntry, ...] = (
    ErrorEntry(
        "RUN_FAILED_WITHOUT_REPORT",
        "Ajo epäonnistui ennen kuin sen yhteenveto (report-tehtävä) valmistui, esimerkiksi aikakatkaisun tai käsin "
        "epäonnistuneeksi merkitsemisen vuoksi.",
        "The run failed before its summary (the report task) was made, e.g. it timed out or was marked failed by hand.",
        "Avaa ajo Airflow'ssa: epäonnistuneen tehtävän loki kertoo syyn. Tyhjennä (clear) tehtävä, kun syy on "
        "korjattu; kirjanpito (ledger) estää tuplakirjaukset.",
        "Open the run in Airflow: the failed task's log has the cause. Clear the task once the cause is fixed; the "
        "ledger prevents anything being written twice.",
        FixWhere.INTEGRATION,
    ),
)
