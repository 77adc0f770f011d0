"""Dossier intake: one normalised model (`IntakeRequest`) for every way a dossier arrives.

A portal's signed webhook carries either our documented schema (`schema.DossierSubmission`,
docs/intake-schema.md) or a national-portal `DongBoHoSoMC` item (`dvcqg.DongBoHoSoMC`);
counter staff and postal receipt send our schema through the authenticated API.
`parse.parse_submission` reads the raw body and reports every field at fault at once
(`errors.IntakeInvalid`); `checks.check_against_catalog` is the intake worker's second pass
against the procedure catalog and the agency registry.
"""
