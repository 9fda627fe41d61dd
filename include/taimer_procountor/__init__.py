"""Taimer <-> Procountor sync library. Imports nothing from Airflow except in taimer_procountor.airflow."""
