"""Helpers shared by every app, with no knowledge of any of them: GOV.UK form rendering,
the GOV.UK date input and service errors on forms (`forms`, `widgets`), pagination
(`pagination`), value normalisation (`validation`), edit-conflict detection (`conflicts`),
field changes as people read them (`display`), CSV/XLSX exports (`exports`), PDFs (`pdf`)
and migration helpers (`migrations`). Nothing here imports an app
(docs/architecture.md).
"""
