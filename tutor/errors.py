"""Domain errors; `api/errors.py` maps them to HTTP statuses and close codes."""


class TutorError(Exception):
    """Root of every error the service reports to clients."""

    code = "error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or self.code).strip())

    @property
    def message(self) -> str:
        """Human-readable text for the client."""
        return str(self.args[0])


class ServiceNotConfigured(TutorError):
    """A service this process needs has no URL configured."""

    code = "service_not_configured"


class InvalidCredentials(TutorError):
    """Email or password is wrong."""

    code = "invalid_credentials"


class InvalidToken(TutorError):
    """The access token is missing, expired or malformed."""

    code = "invalid_token"


class Forbidden(TutorError):
    """Your role does not allow this."""

    code = "forbidden"


class EmailTaken(TutorError):
    """An account with this email already exists."""

    code = "email_taken"


class UserNotFound(TutorError):
    """No such user."""

    code = "user_not_found"


class DocumentNotFound(TutorError):
    """No such document."""

    code = "document_not_found"


class OverviewNotReady(TutorError):
    """This document's overview is not ready yet: it is made once the document is processed."""

    code = "overview_not_ready"


class QuotaExceeded(TutorError):
    """You have reached the maximum number of documents or bytes you may store."""

    code = "quota_exceeded"


class InvalidInput(TutorError):
    """The request is malformed."""

    code = "invalid_input"


class ModelUnavailable(TutorError):
    """The chat model is not available right now."""

    code = "model_unavailable"


class RateLimited(TutorError):
    """Too many requests; wait a moment and try again."""

    code = "rate_limited"

    def __init__(self, message: str | None = None, retry_after_s: int = 60) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooManyGenerations(TutorError):
    """You already have the maximum number of answers being written."""

    code = "too_many_generations"


class ConversationNotFound(TutorError):
    """No such conversation."""

    code = "conversation_not_found"


class MessageNotFound(TutorError):
    """No such message."""

    code = "message_not_found"


class PracticeSetNotFound(TutorError):
    """No such practice set."""

    code = "practice_set_not_found"


class PromptError(TutorError):
    """A prompt file is missing, malformed, or was rendered without a variable it needs."""

    code = "prompt_error"


class PracticeGenerationFailed(TutorError):
    """The model did not produce valid practice questions."""

    code = "practice_invalid"


class GenerationInterrupted(TutorError):
    """This answer was interrupted before it finished; please ask again."""

    code = "interrupted"


class NotGenerating(TutorError):
    """Nothing is being generated on this connection."""

    code = "not_generating"


class Busy(TutorError):
    """This connection is already streaming an answer; cancel it or open another."""

    code = "busy"


class EvalRunNotFound(TutorError):
    """No evaluation run (or more than one) matches that id."""

    code = "eval_run_not_found"


class RealtimeUnavailable(TutorError):
    """Live connections are unavailable right now; try again shortly."""

    code = "realtime_unavailable"


class SignInUnavailable(TutorError):
    """Signing in is paused for a moment (attempts cannot be counted); try again shortly."""

    code = "sign_in_unavailable"
    retry_after_s = 5


class PasswordCheckBusy(TutorError):
    """Too many passwords are being checked right now; try again in a moment."""

    code = "password_check_busy"
    retry_after_s = 1


class WrongPassword(TutorError):
    """The current password is not right."""

    code = "wrong_password"


class TeacherSignupClosed(TutorError):
    """Teacher accounts need an invite code; sign up as a student and ask for teacher access."""

    code = "teacher_signup_closed"


class InvalidInvite(TutorError):
    """This teacher invite code is unknown, expired or used up."""

    code = "invalid_invite"


class TeacherRequestNotFound(TutorError):
    """No pending teacher request with this id."""

    code = "teacher_request_not_found"


class ExportNotFound(TutorError):
    """No such data export, or it expired (exports are kept for a day)."""

    code = "export_not_found"


class ExportNotReady(TutorError):
    """This data export is still being built."""

    code = "export_not_ready"
