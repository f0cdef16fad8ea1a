"""Gamification read from the learning record: XP, levels, currencies, badges, leaderboards."""
