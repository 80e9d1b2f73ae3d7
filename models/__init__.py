"""The text classifier and sentiment scorer."""
