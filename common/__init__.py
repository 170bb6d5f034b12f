"""Helpers shared by every app, with no knowledge of any of them: GOV.UK form rendering and
service errors on forms (`forms`), pagination (`pagination`), value normalisation
(`validation`), edit-conflict detection (`conflicts`), CSV/XLSX exports (`exports`), PDFs
(`pdf`) and migration helpers (`migrations`). Nothing here imports an app
(docs/architecture.md).
"""
