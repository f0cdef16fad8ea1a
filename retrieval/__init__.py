"""Finding the chunks of a user's notes that answer a query."""
