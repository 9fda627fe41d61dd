"""The outbound flow: Taimer documents (sales invoices now; purchase, travel and expense invoices later) into
Procountor, validated before anything is sent, loaded exactly once.

One module per step: ``context`` (what transform and validation read besides the document), ``transform``
(Taimer document -> Procountor ``POST /invoices`` payload), ``validate`` (the rules, batch-wise with
great-expectations), ``attachments`` (content rules), ``text`` (fitting text into Procountor's lengths), and the
extract/load/report steps. Kept free of imports here: DAG files import this package and must stay cheap.
"""
