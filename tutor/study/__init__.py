"""The study core: the learning record, profile settings, tasks, flashcards, practice attempts
and progress, all written to (and read from) one append-only record of study events."""
