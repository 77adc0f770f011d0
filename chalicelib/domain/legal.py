"""The law's limits and counts at the edges of a dossier's life (docs/law.md cites each).

Defaults are the law's (or, where its text could not be confirmed, the stricter reading);
a province may set them (chalicelib/settings.py), and a procedure may set its own supplement
limit in the catalog. Times are working time: 1 working day is 8 working hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

WORKING_DAY = timedelta(hours=8)
# No appointment is set further than this from the moment it is set. The law bounds no new
# appointment (NĐ 118 art. 19(6)); the longest time limit the calendar computes (365 working
# days) is about 17 months: two years cover it, and refuse a slip of the pen such as 2099.
APPOINTMENT_HORIZON = timedelta(days=730)


@dataclass(frozen=True)
class LegalTerms:
    # NĐ 118 art. 19(5): a supplement is asked within 3 working days of receipt, once (11(2)(c)),
    # listing everything missing; a later or a second request needs a leader and counts the
    # dossier late (the national portal's QĐ 766 rule).
    supplement_request_within: timedelta = 3 * WORKING_DAY
    # 19(5): "Thời hạn giải quyết được tính lại từ đầu sau khi nhận đủ hồ sơ": after a timely
    # supplement the appointment restarts from the complete dossier. False: the pause model
    # (the appointment moves by the waiting time only).
    supplement_restarts_clock: bool = True
    # 19(5): the applicant has 15 days (calendar days) from the notice; then the counter
    # closes the dossier. The same for a request made before receipt (the law sets none).
    supplement_wait_days: int = 15
    # A reminder this many days before that deadline (good practice, not the law's).
    supplement_reminder_days: int = 3
    # 17(2): the counter receives an online dossier, or asks for what is missing, within 8
    # working hours of it arriving; then the counter and its leader are alerted.
    counter_check_within: timedelta = WORKING_DAY
    # 19(6): the apology with a new appointment (Mẫu 04) at the latest one day before the
    # appointment; read as one working day.
    apology_ahead: timedelta = WORKING_DAY
    # 19(6): "không quá một lần".
    apologies_allowed: int = 1
    # The law sets no bound on the new appointment: at most this many times the procedure's
    # own time limit after the appointment it replaces (a setting).
    extension_at_most: float = 1.0


DEFAULT_TERMS = LegalTerms()
