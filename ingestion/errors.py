"""Why a document could not be ingested; each carries a stable machine code."""

from tutor.errors import TutorError


class IngestionError(TutorError):
    """The document could not be ingested."""

    code = "ingestion_failed"


class UnsupportedFileType(IngestionError):
    """Only PDF, DOCX, Markdown and plain-text files are supported."""

    code = "unsupported_type"


class EmptyFile(IngestionError):
    """The file is empty."""

    code = "empty_file"


class FileTooLarge(IngestionError):
    """The file is larger than the upload limit."""

    code = "too_large"


class EncryptedDocument(IngestionError):
    """The PDF is password-protected; upload it again with the right password."""

    code = "encrypted"


class CorruptDocument(IngestionError):
    """The file is damaged and could not be read."""

    code = "corrupt"


class DecompressionBomb(IngestionError):
    """The file expands to far more data than a real document would."""

    code = "decompression_bomb"


class TooComplex(IngestionError):
    """Reading the file needed more memory or time than one document may use."""

    code = "too_complex"


class NoText(IngestionError):
    """The document contains no extractable text."""

    code = "no_text"


class NeedsOcr(IngestionError):
    """The PDF has no usable text layer (scanned or image-only); it needs OCR."""

    code = "needs_ocr"


class WorkerCrashed(IngestionError):
    """Processing this document stopped the worker repeatedly; it was given up."""

    code = "worker_crashed"


class DocumentDeleted(TutorError):
    """The document was deleted while it was being ingested; its job stops."""

    code = "document_deleted"


class DocumentNotFailed(TutorError):
    """Only a failed document can be retried."""

    code = "not_failed"
