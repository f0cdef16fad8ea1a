"""The study core's errors. `api/errors.py` maps the two bases, so a new leaf needs no mapping:
a `StudyNotFound` is a 404 (also for another user's ids), a `StudyConflict` a 409."""

from tutor.errors import InvalidInput, TutorError


class StudyNotFound(TutorError):
    """No such item."""

    code = "not_found"


class StudyConflict(TutorError):
    """The request conflicts with the item's current state."""

    code = "conflict"


class InvalidTimezone(TutorError):
    """That is not a time zone name from the IANA database (e.g. Europe/Paris)."""

    code = "invalid_timezone"


class FocusSessionNotFound(StudyNotFound):
    """No focus session is running."""

    code = "focus_session_not_found"


class TaskNotFound(StudyNotFound):
    """No such task."""

    code = "task_not_found"


class CalendarFeedNotFound(StudyNotFound):
    """No such calendar feed: the link was revoked or never existed."""

    code = "calendar_feed_not_found"


class DeckNotFound(StudyNotFound):
    """No such deck."""

    code = "deck_not_found"


class CardNotFound(StudyNotFound):
    """No such card."""

    code = "card_not_found"


class ReviewIdReused(StudyConflict):
    """This review id was already used for another card or rating."""

    code = "review_id_reused"


class NothingToUndo(StudyConflict):
    """There is no review left to undo."""

    code = "nothing_to_undo"


class NotEnoughReviews(StudyConflict):
    """The optimizer needs more reviews in your log before it can fit your parameters."""

    code = "not_enough_reviews"


class SuggestionNotFound(StudyNotFound):
    """No such card suggestion."""

    code = "suggestion_not_found"


class PracticeItemNotFound(StudyNotFound):
    """No such practice question."""

    code = "practice_item_not_found"


class NoteNotFound(StudyNotFound):
    """No such note."""

    code = "note_not_found"


class SourceNotFound(StudyNotFound):
    """The card's source passage or document is not one of yours."""

    code = "source_not_found"


class ClozeWithoutDeletions(InvalidInput):
    """A cloze note needs at least one deletion such as {{c1::answer}}."""

    code = "cloze_without_deletions"


class PracticeAttemptNotFound(StudyNotFound):
    """No such practice attempt."""

    code = "practice_attempt_not_found"


class AttemptIdReused(StudyConflict):
    """This attempt id was already used for another question."""

    code = "attempt_id_reused"


class AttemptNotUncertain(StudyConflict):
    """Only an answer the grader was unsure of can be marked right or wrong."""

    code = "attempt_not_uncertain"


class IdempotencyKeyReused(StudyConflict):
    """This Idempotency-Key was already used for a different request."""

    code = "idempotency_key_reused"


class SuggestionDecided(StudyConflict):
    """This card suggestion was already accepted or rejected."""

    code = "suggestion_decided"


class OptimizationNotFound(StudyNotFound):
    """No such optimizer run."""

    code = "optimization_not_found"
