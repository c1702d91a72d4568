"""Expected failures: each is shown to the user as one plain message."""


class ShopperError(Exception):
    """An expected failure caused by input or the environment, not by a bug.

    The message is complete and meant for the user; the CLI prints it on one
    line and exits 2, the GUI shows it in a message box.
    """


class TemplateError(ShopperError):
    """A checklist template file is not valid."""


class AnswerError(ShopperError):
    """An answer does not fit its item (wrong type, out of range, unknown option)."""


class NotFoundError(ShopperError):
    """A company, audit or template the user named does not exist."""


class AmbiguousError(ShopperError):
    """An ID prefix or name matches more than one record."""


class AuditStateError(ShopperError):
    """The audit is in a state that forbids the change (completed, missing answers)."""


class StorageError(ShopperError):
    """The database cannot be opened or written (locked, damaged, disk full)."""


class ScheduleError(ShopperError):
    """A recurring-shop schedule is not valid (its recurrence text, window or limit)."""
