"""The tutor itself: retrieval-grounded answers, hints and practice, checked and streamed."""
