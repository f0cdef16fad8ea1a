"""Practice sets as their owner keeps them: the checks an item must pass, the editor's changes,
and the background job that generates a set from chosen materials."""
