"""Fetching and parsing sources: the polite fetcher plus one module per source kind."""
