"""Classes' errors, leaves of the study core's bases (404 and 409, mapped there)."""

from tutor.errors import Forbidden
from tutor.study.errors import StudyConflict, StudyNotFound


class ClassNotFound(StudyNotFound):
    """No such class (or not one of yours)."""

    code = "class_not_found"


class JoinCodeInvalid(StudyNotFound):
    """No open class has that join code."""

    code = "join_code_invalid"


class ClassArchived(StudyConflict):
    """The class is archived: it can be read but not changed or joined."""

    code = "class_archived"


class NotATeacher(Forbidden):
    """Only teachers can do this."""

    code = "not_a_teacher"


class OwnerCannotLeave(StudyConflict):
    """The class's owner stays its teacher; archive the class instead."""

    code = "owner_cannot_leave"


class MaterialNotFound(StudyNotFound):
    """That document is not shared with this class."""

    code = "material_not_found"
