"""Teachers' classes: membership by join code, co-teachers, and what classes share."""
