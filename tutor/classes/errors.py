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


class AssignmentNotFound(StudyNotFound):
    """No such assignment (or not in one of your classes)."""

    code = "assignment_not_found"


class AssignmentNotOpen(StudyConflict):
    """The assignment does not take submissions before its open time."""

    code = "assignment_not_open"


class NoAttemptsLeft(StudyConflict):
    """Every submission the assignment allows has been made."""

    code = "no_attempts_left"


class AnswerNotFound(StudyNotFound):
    """No such answer in this assignment."""

    code = "answer_not_found"


class NotAStudent(Forbidden):
    """Only the class's students submit."""

    code = "not_a_student"


class SubmissionIdReused(StudyConflict):
    """This submission id was already used for another assignment or student."""

    code = "submission_id_reused"


class StudentNotInClass(StudyNotFound):
    """That student is not in this assignment's class."""

    code = "student_not_in_class"
