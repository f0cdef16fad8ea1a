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


class QuotaExceeded(TutorError):
    """You have reached the maximum number of documents."""

    code = "quota_exceeded"


class InvalidInput(TutorError):
    """The request is malformed."""

    code = "invalid_input"
